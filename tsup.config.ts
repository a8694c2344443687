import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'vector/index': 'src/vector/index.ts',
    'masking/index': 'src/masking/index.ts',
    'shamir/index': 'src/shamir/index.ts',
    'protocol/index': 'src/protocol/index.ts',
    'dp/index': 'src/dp/index.ts',
    'simulate/index': 'src/simulate/index.ts',
    'testing/index': 'src/testing/index.ts',
    'cli/secagg': 'cli/secagg.ts',
    'cli/simulate-worker': 'cli/simulate-worker.ts',
  },
  format: ['esm'],
  target: 'es2022',
  platform: 'neutral',
  dts: true,
  clean: true,
  splitting: true,
  sourcemap: true,
  treeshake: true,
  external: [/^node:/],
});
