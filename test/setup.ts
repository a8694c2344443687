import fc from 'fast-check';

// Fixed seed and run count keep `npm test` reproducible and fast; `npm run test:slow` explores
// with a fresh seed (printed by fast-check on failure) and ten times the runs.
const slow = process.env['SECAGG_SLOW'] === '1';
const seedFromEnv = process.env['FC_SEED'];
fc.configureGlobal({
  numRuns: slow ? 1000 : 100,
  ...(slow && seedFromEnv === undefined ? {} : { seed: Number(seedFromEnv ?? 20171030) }),
});
