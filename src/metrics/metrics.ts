// What GET /metrics reports (contract §3.6), counted as the service works.
// Every label value comes from a closed set — route templates, HTTP methods
// and status codes, error codes, §4.2 reasons, `anonymous`/`authenticated` —
// never an app id, a user id, a token or an IP, so a client cannot grow the
// number of series however it calls the service.
//
// The hot path adds to plain numbers in Maps; prom-client renders them, with
// the process metrics, when /metrics is scraped.
import { Counter, Gauge, Registry } from 'prom-client';
import type { ErrorCode } from '../errors.js';
import { METRIC_PREFIX, processRegistry } from './process-metrics.js';

/** The route label of a request no route serves (404s, requests that failed below the application). */
export const UNMATCHED_ROUTE = 'unmatched';

// Methods node's parser accepts are a fixed list, but only these are served.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Seconds. From a cached JWKS answer (~0.1 ms) to the 5 s bound of a store that cannot answer (§0). */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type PowOutcome = 'ok' | ErrorCode;

export interface Metrics {
  /** One answered request: its route template (or UNMATCHED_ROUTE), status, time taken, and its error code if it was refused. */
  request(route: string, method: string, status: number, seconds: number, errorCode: ErrorCode | undefined): void;
  /** A request node refused before the application saw it (no route, no method). */
  refusedBelowApplication(code: ErrorCode): void;
  /** A session token issued; a §3.3 fallback is `anonymous`. */
  sessionIssued(auth: 'anonymous' | 'authenticated'): void;
  /** A §3.3 sign-in that fell back to an anonymous session, by §4.2 reason. */
  fallback(reason: string): void;
  /** A proof-of-work check (§3.2 step 5): `ok` or the error code it answered. */
  powChecked(outcome: PowOutcome): void;
  /** The store could not serve (busy, unreachable, gone), whether a request failed or went on without it. */
  storeError(): void;
  /** The Prometheus text exposition, process metrics included. */
  render(): Promise<string>;
  readonly contentType: string;
}

/** For METRICS_ENABLED=false: nothing counted, nothing kept. */
export const noMetrics: Metrics = {
  request() {},
  refusedBelowApplication() {},
  sessionIssued() {},
  fallback() {},
  powChecked() {},
  storeError() {},
  render: async () => '',
  contentType: Registry.PROMETHEUS_CONTENT_TYPE,
};

export interface MetricsSources {
  /** Seconds since the signing key that signs now became current. */
  signingKeyAgeSeconds(): number;
}

/** Counts by one label value, kept as plain numbers and handed to prom-client when scraped. */
class Tally {
  readonly counts = new Map<string, number>();
  add(value: string): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
  }
}

/** One route template and method: answers by status, and the latency histogram's buckets (not cumulative). */
interface RouteCell {
  byStatus: Map<number, number>;
  buckets: Float64Array;
  sum: number;
  count: number;
}

export function createMetrics(sources: MetricsSources): Metrics {
  // One registry per service; the process's own metrics (CPU, memory, event
  // loop, GC) are one per process and shared (./process-metrics.ts).
  const registry = new Registry();
  const registers = [registry];
  const name = (rest: string) => `${METRIC_PREFIX}${rest}`;

  // The hot path only adds to plain numbers here: prom-client's own counters
  // and histograms hash their label set on every call, which cost the
  // anonymous-session path several µs of CPU per request in the bench. What
  // prom-client gets is copied in when /metrics is scraped.
  const routes = new Map<string, Map<string, RouteCell>>();
  const cellFor = (route: string, method: string): RouteCell => {
    let methods = routes.get(route);
    if (!methods) routes.set(route, (methods = new Map()));
    let cell = methods.get(method);
    if (!cell) methods.set(method, (cell = { byStatus: new Map(), buckets: new Float64Array(LATENCY_BUCKETS.length + 1), sum: 0, count: 0 }));
    return cell;
  };
  const errorTally = new Tally();
  const sessionTally = new Tally();
  const fallbackTally = new Tally();
  const powTally = new Tally();
  let storeErrorCount = 0;

  /** A counter whose values are copied from a tally when scraped. */
  const tallied = (rest: string, help: string, label: string, tally: Tally) =>
    new Counter({
      name: name(rest),
      help,
      labelNames: [label],
      registers,
      collect() {
        this.reset();
        for (const [value, count] of tally.counts) this.inc({ [label]: value }, count);
      },
    });

  new Counter({
    name: name('http_requests_total'),
    help: 'HTTP requests answered, by route template, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
    collect() {
      this.reset();
      for (const [route, methods] of routes) {
        for (const [method, cell] of methods) {
          for (const [status, count] of cell.byStatus) this.inc({ route, method, status: String(status) }, count);
        }
      }
    },
  });
  const latencyName = name('http_request_duration_seconds');
  // A histogram prom-client renders but does not count: its values are the cells' buckets.
  const latencyHelp = 'Time from a request reaching the service to its answer being handed to the socket, by route template and method.';
  registry.registerMetric({
    name: latencyName,
    help: latencyHelp,
    async get() {
      const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
      for (const [route, methods] of routes) {
        for (const [method, cell] of methods) {
          let cumulative = 0;
          LATENCY_BUCKETS.forEach((bound, i) => {
            cumulative += cell.buckets[i]!;
            values.push({ metricName: `${latencyName}_bucket`, labels: { le: bound, route, method }, value: cumulative });
          });
          values.push({ metricName: `${latencyName}_bucket`, labels: { le: '+Inf', route, method }, value: cell.count });
          values.push({ metricName: `${latencyName}_sum`, labels: { route, method }, value: cell.sum });
          values.push({ metricName: `${latencyName}_count`, labels: { route, method }, value: cell.count });
        }
      }
      return { name: latencyName, help: latencyHelp, type: 'histogram', values, aggregator: 'sum' };
    },
  } as unknown as Parameters<Registry['registerMetric']>[0]);
  tallied('http_errors_total', 'Error answers by error code (the `code` of the JSON error), including requests refused below the application.', 'code', errorTally);
  tallied('sessions_issued_total', 'Session tokens issued, by auth (a sign-in that fell back to an anonymous session counts as anonymous).', 'auth', sessionTally);
  tallied('session_fallbacks_total', 'Sign-ins whose customer JWT was not accepted and that got an anonymous session instead, by reason.', 'reason', fallbackTally);
  tallied('pow_verifications_total', 'Proof-of-work checks, by outcome: ok or the error code answered.', 'outcome', powTally);
  new Counter({
    name: name('store_errors_total'),
    help: 'Times the database could not serve (busy, unreachable, gone), in requests and in background work.',
    registers,
    collect() {
      this.reset();
      this.inc(storeErrorCount);
    },
  });
  new Gauge({
    name: name('signing_key_age_seconds'),
    help: 'Seconds since the signing key that signs session tokens now became current.',
    registers,
    collect() {
      this.set(sources.signingKeyAgeSeconds());
    },
  });

  return {
    request(route, rawMethod, status, seconds, errorCode) {
      const cell = cellFor(route, METHODS.has(rawMethod) ? rawMethod : 'other');
      cell.byStatus.set(status, (cell.byStatus.get(status) ?? 0) + 1);
      // The first bucket whose bound is at least `seconds` (Prometheus `le`); past the last, +Inf only.
      let bucket = 0;
      while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]!) bucket += 1;
      cell.buckets[bucket]! += 1;
      cell.sum += seconds;
      cell.count += 1;
      if (errorCode) errorTally.add(errorCode);
    },
    refusedBelowApplication(code) {
      errorTally.add(code);
    },
    sessionIssued(auth) {
      sessionTally.add(auth);
    },
    fallback(reason) {
      fallbackTally.add(reason);
    },
    powChecked(outcome) {
      powTally.add(outcome);
    },
    storeError() {
      storeErrorCount += 1;
    },
    async render() {
      return (await processRegistry().metrics()) + (await registry.metrics());
    },
    contentType: registry.contentType,
  };
}
