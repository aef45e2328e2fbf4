import { defineConfig } from 'vitest/config';

// Unit tests of pure logic run in parallel without the stack. The stack tests share one Asterisk, one
// PostgreSQL and one Redis (ops/stack.sh), so their files run one at a time; within a file, tests run in order.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'stack',
          include: ['tests/stack/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 90_000,
          hookTimeout: 60_000,
          // a page or a worker under load (CI's two cores) may take more than the default second to show a change
          expect: { poll: { timeout: 5_000 } },
          globalSetup: ['tests/support/global-setup.ts'],
        },
      },
    ],
  },
});
