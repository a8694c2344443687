/** Encodings shared by the X25519 and Ed25519 checks and self-tests (internal). */

/** Little-endian 255-bit value (bit 255 must already be clear) below p = 2^255 - 19. */
export function isBelowP(bytes: Uint8Array): boolean {
  // p = 0x7fff...ffed: compare from the most significant byte.
  if ((bytes[31] as number) !== 0x7f) return true;
  for (let i = 30; i >= 1; i--) if ((bytes[i] as number) !== 0xff) return true;
  return (bytes[0] as number) < 0xed;
}

export function leBytesToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number);
  return n;
}

export function hexToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
