import { readFileSync } from 'node:fs';
import type { MaskBackend } from '../../src/masking/index.js';

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function readVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as T;
}

export const BACKENDS: readonly MaskBackend[] = ['native', 'portable'];
