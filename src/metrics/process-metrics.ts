// The process's own metrics (CPU, memory, heap, event-loop delay, GC, open
// handles), prefixed like the service's (§3.6: every name starts with
// latchkey_). They describe the process, not one service instance, so there
// is one set per process however many services it builds (the test suite
// builds hundreds): collecting them twice would only start a second
// event-loop monitor.
import { collectDefaultMetrics, Registry } from 'prom-client';

/** §3.6: every metric name starts with it. */
export const METRIC_PREFIX = 'latchkey_';

let registry: Registry | undefined;

export function processRegistry(): Registry {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  }
  return registry;
}
