/** Robust reconstruction at larger N and more runs (run by `npm run test:slow`). */
import { describe } from 'vitest';
import { robustProperties } from './_robust-helpers.js';

describe('robust combiner: properties, N up to 600', () => {
  robustProperties(120, 500);
  robustProperties(600, 60, 300);
});
