// `npm run fuzz`: the property tests (test/fuzz-*.test.ts) with a large budget. Not part of `npm test`, which runs
// the same properties a few hundred times each with a fixed seed. FUZZ_RUNS caps the runs of one property,
// FUZZ_SECONDS its time (default 60 s each); each run draws a fresh seed, printed with any counterexample, and
// FUZZ_SEED=<seed> replays it.
import { defineConfig } from 'vitest/config';

const seconds = Number(process.env.FUZZ_SECONDS ?? 60);

export default defineConfig({
  test: {
    include: ['test/fuzz-*.test.ts'],
    env: {
      FUZZ_RUNS: process.env.FUZZ_RUNS ?? '100000',
      FUZZ_SECONDS: String(seconds),
      ...(process.env.FUZZ_SEED !== undefined && { FUZZ_SEED: process.env.FUZZ_SEED }),
    },
    // A property stops at FUZZ_SECONDS; the margin covers its last (64 KB) runs and shrinking a counterexample.
    testTimeout: (seconds + 300) * 1000,
    maxWorkers: 2,
  },
});
