import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Starts PostgreSQL for the run when LATCHKEY_TEST_STORE=postgres; else nothing.
    // Builds the admin console once into a temporary folder the tests serve.
    globalSetup: ['test/support/postgres-setup.ts', 'test/support/admin-console-setup.ts'],
    // Generating RSA keys for the key tests takes a moment on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/packages/browser/**', 'test/admin-console/browser/**'],
        },
      },
      {
        // The browser tests run after the rest, alone: they check that the page
        // is never blocked for 50 ms, which a machine busy with the other test
        // files could do to any page.
        extends: true,
        test: {
          name: 'browser',
          include: ['test/packages/browser/**/*.test.ts'],
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The admin console driven in Chromium, on either store (scripts/test.sh
        // runs this project on PostgreSQL too). After the rest, like the above.
        extends: true,
        test: {
          name: 'console',
          include: ['test/admin-console/browser/**/*.test.ts'],
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
