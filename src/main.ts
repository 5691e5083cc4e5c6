// latchkey's entry point: config → database (migrated) → services → HTTP
// server, and a graceful stop on SIGTERM/SIGINT (§3.6).
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { listen, ListenError } from './http/listen.js';
import { createHttpServer } from './http/server.js';
import { createLogger } from './logger.js';
import { createServices } from './services.js';
import { databaseLabel, openStore } from './store/open-store.js';
import { DatabaseOpenError } from './store/store-errors.js';
import { startAuditRetention } from './audit/retention.js';
import { startRevocationPurge } from './revocations/purge-expired.js';
import { KeyEncryptionError } from './signing/key-encryption.js';

/** A start-up failure an operator can fix: one line on stderr, no stack trace, exit 1. */
function fail(message: string): never {
  process.stderr.write(`latchkey: ${message}\n`);
  process.exit(1);
}

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
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
}).catch((error: unknown) =>
  // A DatabaseOpenError already says which database and why, in one line.
  fail(error instanceof DatabaseOpenError ? error.message : `cannot open the database (${databaseLabel(config.databaseUrl)}): ${(error as Error).message}`),
);
const svc = await createServices({ config, store, logger }).catch((error: unknown) => {
  // Both say what to fix in one line: a database still locked, a wrong KEY_ENCRYPTION_SECRET.
  if (error instanceof DatabaseOpenError || error instanceof KeyEncryptionError) fail(error.message);
  throw error;
});
const stopAuditRetention = startAuditRetention(svc, config.auditRetentionDays);
const stopRevocationPurge = startRevocationPurge(svc);

if (svc.manageKey.generated) {
  // Shown once: only its hash is stored. Set MANAGE_API_KEY to choose your own.
  process.stdout.write(
    `\nlatchkey generated a management API key (shown only this once):\n\n  ${svc.manageKey.generated}\n\n`,
  );
}

const http = createHttpServer(createApp(svc), { logger, metrics: svc.metrics });
const port = await listen(http.server, config.port, config.host).catch((error: unknown) => {
  if (error instanceof ListenError) fail(error.message);
  throw error;
});
// Stoppable before it says it is listening: a SIGTERM sent the moment that line
// appears must find the handler, or node's default action kills the process.
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await http.stop();
  stopAuditRetention();
  stopRevocationPurge();
  await store.close().catch(() => {});
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
logger.info({ host: config.host, port, database: databaseLabel(config.databaseUrl), pow: Boolean(config.pow) }, 'latchkey listening');
