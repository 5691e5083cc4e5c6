// latchkey's entry point: config → database (migrated) → services → HTTP
// server, and a graceful stop on SIGTERM/SIGINT.
import { createServer } from 'node:http';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { createServices } from './services.js';
import { openStore } from './store/open-store.js';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`latchkey: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const config = readConfig();
const logger = createLogger(config.logLevel);
const store = await openStore(config.databaseUrl, {
  migrateOnStart: config.migrateOnStart,
  poolMax: config.pgPoolMax,
  cachePollSeconds: config.cachePollSeconds,
  log: logger,
});
const svc = await createServices({ config, store, logger });

if (svc.manageKey.generated) {
  // Shown once: only its hash is stored. Set MANAGE_API_KEY to choose your own.
  process.stdout.write(
    `\nlatchkey generated a management API key (shown only this once):\n\n  ${svc.manageKey.generated}\n\n`,
  );
}

const server = createServer(createApp(svc));
server.keepAliveTimeout = 65_000;
server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ host: config.host, port, database: config.databaseUrl, pow: Boolean(config.pow) }, 'latchkey listening');
});

let stopping = false;
function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  // Stop accepting, let in-flight requests finish, then close the database.
  const force = setTimeout(() => server.closeAllConnections(), 10_000).unref();
  server.close(() => {
    clearTimeout(force);
    store.close().finally(() => {
      logger.info('stopped');
      process.exit(0);
    });
  });
  server.closeIdleConnections();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
