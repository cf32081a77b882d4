import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Some unit tests start ESLint or parse hundreds of mails: on a loaded 2-core
          // machine they take longer than vitest's default of 5 s, without being wrong.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One mail stack for all files; files run one after another so that
          // two checks never compete for the 2 cores of a CI machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
