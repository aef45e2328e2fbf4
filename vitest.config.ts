import { defineConfig } from 'vitest/config';

// One Asterisk, one PostgreSQL and one Redis serve the whole suite (ops/stack.sh), so test files run one at a
// time; within a file, tests run in order.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 60_000,
    globalSetup: ['tests/support/global-setup.ts'],
    reporters: ['default'],
  },
});
