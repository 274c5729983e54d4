import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['kernel-lib/test/**/*.test.ts'],
    // Each engine test file opens its own databases (a WASM instance, a PGlite, a server database);
    // two workers keep the 2-core CI machine busy without thrashing.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // The JSON report is what .ci/run counts.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
  },
});
