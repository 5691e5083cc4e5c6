// `latchkey serve`: the service itself. src/main.ts is the entry point
// (config → store → services → listen → graceful stop on SIGTERM/SIGINT);
// importing it starts it, after the CLI has read .env.
import type { Command } from './command.js';

export const serve: Command = {
  name: 'serve',
  summary: 'run the service (HTTP on HOST:PORT)',
  help: `Usage: latchkey serve

Runs the service on HOST:PORT (default 0.0.0.0:3000) with the database at
DATABASE_URL, applying pending migrations first. Stops cleanly on SIGTERM or
SIGINT: finishes the requests it has, then exits 0.

Configured by the environment; a .env file in the working directory fills in
variables the environment does not set.`,
  options: {},
  positionals: [],
  async run() {
    await import('../main.js');
  },
};
