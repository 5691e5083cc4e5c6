import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generating RSA keys for the key tests takes a moment on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
