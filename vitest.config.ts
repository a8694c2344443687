import { defineConfig } from 'vitest/config';

const slow = process.env['SECAGG_SLOW'] === '1';
const ci = process.env['CI'] === 'true' || process.env['CI'] === '1';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: slow ? [] : ['test/**/*.slow.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: slow ? 600_000 : 60_000,
    reporters: ci ? ['default', ['json', { outputFile: 'reports/vitest.json' }]] : ['default'],
  },
});
