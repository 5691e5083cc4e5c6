// `latchkey migrate`: applies pending schema migrations and exits, for
// deployments that migrate as a separate step before starting nodes.
import { loadConfig } from '../config.js';
import { migrateStore } from '../store/open-store.js';
import { printJson, type Command } from './command.js';

export const migrate: Command = {
  name: 'migrate',
  summary: 'apply pending database migrations, then exit',
  help: `Usage: latchkey migrate

Applies the pending migrations to the database at DATABASE_URL and exits.
Running it again applies nothing. Prints {"data":{"database":…,"migrated":true}}.`,
  options: {},
  positionals: [],
  async run() {
    const { database } = await migrateStore(loadConfig().databaseUrl);
    printJson({ data: { database, migrated: true } });
  },
};
