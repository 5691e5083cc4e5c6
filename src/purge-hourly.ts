// Housekeeping that every node runs at start and then once an hour: purges of
// rows that can no longer matter (old audit events, expired revocations). A
// failed purge is a store error (counted, logged at warn) and is simply tried
// again an hour later; the timer never keeps the process alive.
import type { Logger } from './logger.js';
import type { Metrics } from './metrics/metrics.js';

const EVERY_MS = 3_600_000;

export interface PurgeDeps {
  logger: Logger;
  metrics: Pick<Metrics, 'storeError'>;
}

/**
 * Runs `purge` now and hourly; `what` names the rows in the log lines
 * (`<what> purged`, `<what> purge failed`). Returns the function that stops it.
 */
export function purgeHourly(deps: PurgeDeps, what: string, purge: () => Promise<number>): () => void {
  const run = () =>
    purge().then(
      (purged) => purged > 0 && deps.logger.info({ purged }, `${what} purged`),
      (error: unknown) => {
        deps.metrics.storeError();
        deps.logger.warn({ err: error }, `${what} purge failed; retrying in an hour`);
      },
    );
  void run();
  const timer = setInterval(run, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
