/**
 * The model: multinomial logistic (softmax) regression on 784 pixels, 10 classes, 7,850
 * parameters in one Float64Array (the 10 x 784 weights row by row, then the 10 biases), trained
 * by minibatch SGD on the cross-entropy. Images are stored sparse (about 19% of MNIST's pixels
 * are not zero), which makes a step about five times cheaper than a dense one.
 */
import { LABELS, PIXELS, type Dataset } from './data.js';
import type { Random } from './random.js';

export const DIMENSION = LABELS * PIXELS + LABELS;
const BIAS = LABELS * PIXELS;

/** A dataset with its images as compressed rows (nonzero pixel indices and values). */
export interface SparseDataset {
  readonly size: number;
  readonly labels: Uint8Array;
  /** Row i's entries are at [rowStart[i], rowStart[i + 1]). */
  readonly rowStart: Int32Array;
  readonly index: Uint16Array;
  readonly value: Float32Array;
}

export function toSparse(data: Dataset): SparseDataset {
  let nnz = 0;
  for (let i = 0; i < data.pixels.length; i++) if (data.pixels[i] !== 0) nnz++;
  const rowStart = new Int32Array(data.size + 1);
  const index = new Uint16Array(nnz);
  const value = new Float32Array(nnz);
  let at = 0;
  for (let r = 0; r < data.size; r++) {
    rowStart[r] = at;
    for (let j = 0; j < PIXELS; j++) {
      const v = data.pixels[r * PIXELS + j] as number;
      if (v !== 0) {
        index[at] = j;
        value[at++] = v;
      }
    }
  }
  rowStart[data.size] = at;
  return { size: data.size, labels: data.labels, rowStart, index, value };
}

/** Softmax probabilities of example `row` under `params`, into `out` (10); returns the log-sum-exp. */
function forward(params: Float64Array, data: SparseDataset, row: number, out: Float64Array): number {
  const s = data.rowStart[row] as number;
  const e = data.rowStart[row + 1] as number;
  let max = -Infinity;
  for (let k = 0; k < LABELS; k++) {
    let z = params[BIAS + k] as number;
    const w = k * PIXELS;
    for (let t = s; t < e; t++) z += (params[w + (data.index[t] as number)] as number) * (data.value[t] as number);
    out[k] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let k = 0; k < LABELS; k++) sum += out[k] = Math.exp((out[k] as number) - max);
  for (let k = 0; k < LABELS; k++) out[k] = (out[k] as number) / sum;
  return max + Math.log(sum);
}

/** Local training options. */
export interface LocalTraining {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
}

/**
 * Trains a copy of `params` on the examples `rows` of `data` (minibatch SGD, reshuffled every
 * epoch) and returns the update: trained minus initial parameters.
 */
export function localUpdate(params: Float64Array, data: SparseDataset, rows: Int32Array, o: LocalTraining, rng: Random): Float64Array {
  const w = Float64Array.from(params);
  const grad = new Float64Array(DIMENSION);
  const p = new Float64Array(LABELS);
  const order = Int32Array.from(rows);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    rng.shuffle(order);
    for (let from = 0; from < order.length; from += o.batchSize) {
      const to = Math.min(order.length, from + o.batchSize);
      grad.fill(0);
      for (let b = from; b < to; b++) {
        const row = order[b] as number;
        forward(w, data, row, p);
        p[data.labels[row] as number] = (p[data.labels[row] as number] as number) - 1; // dLoss/dlogit
        const s = data.rowStart[row] as number;
        const e = data.rowStart[row + 1] as number;
        for (let k = 0; k < LABELS; k++) {
          const g = p[k] as number;
          grad[BIAS + k] = (grad[BIAS + k] as number) + g;
          const base = k * PIXELS;
          for (let t = s; t < e; t++) {
            const j = base + (data.index[t] as number);
            grad[j] = (grad[j] as number) + g * (data.value[t] as number);
          }
        }
      }
      const step = o.learningRate / (to - from);
      for (let i = 0; i < DIMENSION; i++) w[i] = (w[i] as number) - step * (grad[i] as number);
    }
  }
  for (let i = 0; i < DIMENSION; i++) w[i] = (w[i] as number) - (params[i] as number);
  return w;
}

/** Accuracy and mean cross-entropy (nats) of `params` on `data`. */
export function evaluate(params: Float64Array, data: SparseDataset): { accuracy: number; loss: number } {
  const p = new Float64Array(LABELS);
  let correct = 0;
  let loss = 0;
  for (let r = 0; r < data.size; r++) {
    forward(params, data, r, p);
    const y = data.labels[r] as number;
    let best = 0;
    for (let k = 1; k < LABELS; k++) if ((p[k] as number) > (p[best] as number)) best = k;
    if (best === y) correct++;
    loss -= Math.log(Math.max(p[y] as number, 1e-300));
  }
  return { accuracy: correct / data.size, loss: loss / data.size };
}

/** L2 norm. */
export function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
  return Math.sqrt(s);
}
