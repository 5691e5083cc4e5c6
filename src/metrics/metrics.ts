// What GET /metrics reports (contract §3.6), counted as the service works.
// Every label value comes from a closed set — route templates, HTTP methods
// and status codes, error codes, §4.2 reasons, `anonymous`/`authenticated` —
// never an app id, a user id, a token or an IP, so a client cannot grow the
// number of series however it calls the service.
//
// The hot path pays a Map lookup and prom-client's increment per request:
// each label combination's child is looked up once and kept (prom-client's
// own labels() builds a new object on every call).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
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

/** A child per label combination, made on first use. */
function children<T>(make: (...values: string[]) => T): (...values: string[]) => T {
  const made = new Map<string, T>();
  return (...values) => {
    const key = values.join('\0');
    let child = made.get(key);
    if (!child) made.set(key, (child = make(...values)));
    return child;
  };
}

export function createMetrics(sources: MetricsSources): Metrics {
  // One registry per service; the process's own metrics (CPU, memory, event
  // loop, GC) are one per process and shared (./process-metrics.ts).
  const registry = new Registry();
  const registers = [registry];
  const name = (rest: string) => `${METRIC_PREFIX}${rest}`;

  const requests = new Counter({
    name: name('http_requests_total'),
    help: 'HTTP requests answered, by route template, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  });
  const latency = new Histogram({
    name: name('http_request_duration_seconds'),
    help: 'Time from a request reaching the service to its answer being handed to the socket, by route template and method.',
    labelNames: ['route', 'method'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const errors = new Counter({
    name: name('http_errors_total'),
    help: 'Error answers by error code (the `code` of the JSON error), including requests refused below the application.',
    labelNames: ['code'] as const,
    registers,
  });
  const sessions = new Counter({
    name: name('sessions_issued_total'),
    help: 'Session tokens issued, by auth (a sign-in that fell back to an anonymous session counts as anonymous).',
    labelNames: ['auth'] as const,
    registers,
  });
  const fallbacks = new Counter({
    name: name('session_fallbacks_total'),
    help: 'Sign-ins whose customer JWT was not accepted and that got an anonymous session instead, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  const pow = new Counter({
    name: name('pow_verifications_total'),
    help: 'Proof-of-work checks, by outcome: ok or the error code answered.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const storeErrors = new Counter({
    name: name('store_errors_total'),
    help: 'Times the database could not serve (busy, unreachable, gone), in requests and in background work.',
    registers,
  });
  new Gauge({
    name: name('signing_key_age_seconds'),
    help: 'Seconds since the signing key that signs session tokens now became current.',
    registers,
    collect() {
      this.set(sources.signingKeyAgeSeconds());
    },
  });

  const requestChild = children((route, method, status) => requests.labels(route!, method!, status!));
  const latencyChild = children((route, method) => latency.labels(route!, method!));
  const errorChild = children((code) => errors.labels(code!));
  const sessionChild = children((auth) => sessions.labels(auth!));
  const fallbackChild = children((reason) => fallbacks.labels(reason!));
  const powChild = children((outcome) => pow.labels(outcome!));

  return {
    request(route, rawMethod, status, seconds, errorCode) {
      const method = METHODS.has(rawMethod) ? rawMethod : 'other';
      requestChild(route, method, String(status)).inc();
      latencyChild(route, method).observe(seconds);
      if (errorCode) errorChild(errorCode).inc();
    },
    refusedBelowApplication(code) {
      errorChild(code).inc();
    },
    sessionIssued(auth) {
      sessionChild(auth).inc();
    },
    fallback(reason) {
      fallbackChild(reason).inc();
    },
    powChecked(outcome) {
      powChild(outcome).inc();
    },
    storeError() {
      storeErrors.inc();
    },
    async render() {
      return (await processRegistry().metrics()) + (await registry.metrics());
    },
    contentType: registry.contentType,
  };
}
