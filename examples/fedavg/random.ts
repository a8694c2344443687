/**
 * Random numbers for the example: uniform floats, integers, normals, gammas and Dirichlet
 * vectors over a byte stream. The data split, the model's initialisation and the local
 * shuffles use a seeded stream (`deterministicRandomBytes`: reproducible, public); the cohort
 * draws use the platform CSPRNG, because amplification by sampling assumes that whoever sees
 * only the released models cannot predict the cohort. The DP noise never comes from here: the
 * clients' `encodeClientUpdate` draws it from the CSPRNG.
 */
import { createHash } from 'node:crypto';
import { deterministicRandomBytes, type RandomBytes } from '../../src/testing/index.js';

/** A stream of random values over `bytes`, read 4 KiB at a time. */
export class Random {
  private readonly bytes: RandomBytes;
  private buffer: Uint8Array = new Uint8Array(0);
  private at = 0;

  constructor(bytes: RandomBytes) {
    this.bytes = bytes;
  }

  /** A reproducible stream for `label` under the run's seed. */
  static seeded(seed: number, label: string): Random {
    const key = createHash('sha256').update(`secagg/example/fedavg/${label}/${seed}`).digest();
    return new Random(deterministicRandomBytes(new Uint8Array(key)));
  }

  private byte(): number {
    if (this.at === this.buffer.length) {
      this.buffer = this.bytes(4096);
      this.at = 0;
    }
    return this.buffer[this.at++] as number;
  }

  /** Uniform in [0, 1), 53 random bits. */
  float(): number {
    let hi = 0;
    for (let i = 0; i < 3; i++) hi = hi * 256 + this.byte(); // 24 bits
    let lo = 0;
    for (let i = 0; i < 4; i++) lo = lo * 256 + this.byte(); // 32 bits
    return (hi * 2 ** 29 + (lo >>> 3)) / 2 ** 53;
  }

  /** Uniform integer in [0, n), n <= 2^32, without modulo bias. */
  int(n: number): number {
    const limit = Math.floor(2 ** 32 / n) * n;
    for (;;) {
      const x = ((this.byte() << 24) | (this.byte() << 16) | (this.byte() << 8) | this.byte()) >>> 0;
      if (x < limit) return x % n;
    }
  }

  /** Standard normal (Marsaglia's polar method). */
  normal(): number {
    for (;;) {
      const u = 2 * this.float() - 1;
      const v = 2 * this.float() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
    }
  }

  /** Gamma(shape, 1) (Marsaglia and Tsang 2000; shape < 1 boosted by U^(1/shape)). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.float() || Number.MIN_VALUE, 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.float();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** A Dirichlet(alpha, ..., alpha) vector of `k` proportions. */
  dirichlet(alpha: number, k: number): Float64Array {
    const p = new Float64Array(k);
    let total = 0;
    for (let i = 0; i < k; i++) total += p[i] = this.gamma(alpha);
    // Tiny alphas can underflow every gamma to 0: fall back to one label at random.
    if (!(total > 0)) {
      p[this.int(k)] = 1;
      return p;
    }
    for (let i = 0; i < k; i++) p[i] = (p[i] as number) / total;
    return p;
  }

  /** `k` distinct integers from [0, n), in random order (partial Fisher-Yates). */
  sample(n: number, k: number): number[] {
    const pool = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
    }
    return pool.slice(0, k);
  }

  /** Shuffles `a` in place (Fisher-Yates). */
  shuffle(a: Int32Array | number[]): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i] as number;
      a[i] = a[j] as number;
      a[j] = t;
    }
  }
}
