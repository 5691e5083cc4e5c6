import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts PostgreSQL for the run when LATCHKEY_TEST_STORE=postgres; else nothing.
    globalSetup: ['test/support/postgres-setup.ts'],
    // Generating RSA keys for the key tests takes a moment on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
