/**
 * Arithmetic in GF(2^16) by log/exp tables (internal).
 *
 * Why GF(2^16) rather than a prime field: secure aggregation gives participant u the share at
 * x = u for cohorts of 10,000+, so the field needs more than 255 non-zero points (GF(2^8) is too
 * small) and GF(2^16) has 65,535. A 32-byte secret is exactly 16 field elements with no
 * rejection sampling or bit packing (a prime field such as 2^31 + 11 needs secrets cut into
 * 31-bit pieces and coefficients drawn below p), addition is XOR, and a multiplication is two
 * table lookups into tables that fit in L2 cache. The price: table lookups indexed by secret data
 * are not constant time (see docs/shamir.md).
 *
 * Field: GF(2)[z] / (z^16 + z^12 + z^3 + z + 1), i.e. reduction polynomial 0x1100B, which is
 * primitive: z (the element 2) generates the multiplicative group of order 65,535.
 *
 * Tables: `LOG[a]` = log_2(a) in [0, 65534] for a != 0, and `LOG[0]` = {@link LOG_ZERO}, a
 * sentinel; `EXP[i]` = 2^i for i in [0, 2 * 65535), and `EXP[LOG_ZERO + j]` = 0 for every
 * j in [0, 65534]. So `EXP[LOG[a] + l]` is a * 2^l for every a (including 0) and every
 * l in [0, 65534], with no branch for zero and no reduction mod 65535.
 */

/** Elements of the field: 0..65535. */
export const FIELD_SIZE = 65_536;
/** Order of the multiplicative group. */
export const GROUP_ORDER = 65_535;
/** Reduction polynomial z^16 + z^12 + z^3 + z + 1. */
export const POLYNOMIAL = 0x1100b;
/** LOG[0]: any index at or above it (up to LOG_ZERO + 65534) reads 0 from EXP. */
export const LOG_ZERO: number = 2 * GROUP_ORDER;

/** log_2 of each element; LOG[0] = LOG_ZERO. */
export const LOG: Int32Array = new Int32Array(FIELD_SIZE);
/** 2^i for i < 2 * 65535; zeros from LOG_ZERO on. */
export const EXP: Uint16Array = new Uint16Array(LOG_ZERO + GROUP_ORDER);

{
  let v = 1;
  for (let i = 0; i < GROUP_ORDER; i++) {
    EXP[i] = v;
    EXP[i + GROUP_ORDER] = v;
    LOG[v] = i;
    v <<= 1;
    if (v & 0x10000) v ^= POLYNOMIAL;
  }
  LOG[0] = LOG_ZERO;
}

/** a * b in GF(2^16) (scalar helper, not for hot loops). */
export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[(LOG[a] as number) + (LOG[b] as number)] as number;
}

/** log_2(x) for x in 1..65535, as a number in [0, 65534]. */
export function gfLog(x: number): number {
  return LOG[x] as number;
}

/** (a + b) mod 65535 for a, b in [0, 65534]. */
export function addLog(a: number, b: number): number {
  const s = a + b;
  return s >= GROUP_ORDER ? s - GROUP_ORDER : s;
}

/**
 * Multiplication tables for a list of weights (logs, LOG_ZERO for a zero weight): 512 entries
 * per weight w, [b * w for b < 256] then [(b << 8) * w for b < 256], so that for a 16-bit
 * element y, y * w = table[256 + (y >> 8)] ^ table[y & 255]: two lookups in 1 KiB instead of
 * a log and an exp lookup in 640 KiB of tables. Worth building once a weight serves many calls.
 */
export function mulTables(logWeights: Int32Array): Uint16Array {
  const log = LOG;
  const exp = EXP;
  const tables = new Uint16Array(logWeights.length * 512);
  for (let i = 0; i < logWeights.length; i++) {
    const l = logWeights[i] as number;
    if (l === LOG_ZERO) continue; // zero weight: zero table
    const offset = i * 512;
    for (let b = 1; b < 256; b++) {
      tables[offset + b] = exp[(log[b] as number) + l] as number;
      tables[offset + 256 + b] = exp[(log[b << 8] as number) + l] as number;
    }
  }
  return tables;
}
