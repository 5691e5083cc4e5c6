// The info line an on-call engineer searches when a customer says "my widget
// gets no session": one per refused session request, with its request id, app
// id, error code and §4.2 reason — never the token.
//
// Measured in `npm run bench` (scenario `refused`, log to a file): a line costs
// ~13 µs of CPU, a third of what refusing costs, so a flood of refusals
// (a misconfigured embed on a busy site, an attacker) would make the log the
// bottleneck and fill the disk. Each process therefore writes at most
// LINES_PER_SECOND of them a second; the rest are counted and reported in one
// line when the second ends. Below that rate — every ordinary day — every
// refusal has its line; `latchkey_http_errors_total` counts them all.
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';

export const LINES_PER_SECOND = 50;

export interface RefusalFields {
  reqId: string | undefined;
  appId: string;
  code: string;
  reason: string | undefined;
}

export function createRefusalLog(logger: Logger, clock: Clock): (fields: RefusalFields) => void {
  let windowStart = Number.NEGATIVE_INFINITY;
  let written = 0;
  let suppressed = 0;
  let flushTimer: NodeJS.Timeout | undefined;

  function flush() {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (suppressed > 0) logger.info({ suppressed, perSecond: LINES_PER_SECOND }, 'session refusals not logged: over the per-second budget');
    suppressed = 0;
  }

  return function logRefusal(fields) {
    if (!logger.isLevelEnabled('info')) return;
    const now = clock.now();
    if (now - windowStart >= 1000) {
      flush();
      windowStart = now;
      written = 0;
    }
    if (written < LINES_PER_SECOND) {
      written += 1;
      logger.info(fields, 'session refused');
      return;
    }
    suppressed += 1;
    // Said at the end of the second even if no refusal follows to trigger it.
    flushTimer ??= setTimeout(flush, 1000).unref();
  };
}
