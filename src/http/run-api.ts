// §3 Run API: what browser widgets call on every page load (sessions, the
// proof-of-work challenge) and what widget backends call to check a token.
//
// It is served by plain node:http handlers rather than Express: routing,
// response helpers and middleware chains cost more per request than signing
// the session token does, and this path is the service's whole load. The
// rules are the same as everywhere else — JSON errors in the contract's shape,
// 404/405 with Allow, 415 for non-JSON bodies — and the tests drive it
// through createApp like the rest.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, type ErrorCode } from '../errors.js';
import type { RateLimitState } from '../limits/rate-limiter.js';
import { createPowChallenge } from '../pow/challenge.js';
import { requestAnonymousSession } from '../sessions/anonymous-session.js';
import { requestCustomerSession } from '../sessions/customer-session.js';
import type { SessionRequest } from '../sessions/deps.js';
import { introspectSession } from '../sessions/introspect.js';
import type { Outcome } from '../sessions/outcome.js';
import type { Services } from '../services.js';
import { bearerToken } from './bearer.js';
import { discardBody, hasBody } from './body-limit.js';
import { clientIpResolver } from './client-ip.js';
import { hasNonJsonBody } from './middleware/require-json.js';
import { loggedUrl } from '../logger.js';
import { UNMATCHED_ROUTE } from '../metrics/metrics.js';
import { REQUEST_ID_HEADER, requestId } from './request-id.js';
import { sendError, sendJson, toAppError, type HeaderList } from './respond.js';
import { createRefusalLog } from './refusal-log.js';
import { pathParams } from './validation.js';

const CORS_ALLOW_HEADERS = 'Authorization, Content-Type, X-Challenge-Solution, X-Inkeep-Challenge-Solution, X-Request-Id';
// Without this a page script cannot read how long a 429 asks it to wait (§3).
const CORS_EXPOSE_HEADERS = 'Retry-After, RateLimit, RateLimit-Policy, X-Request-Id';
const CORS_ALLOW_METHODS = 'GET, POST, OPTIONS';
const APPS_PREFIX = '/run/auth/apps/';
const APPS_TEMPLATE = '/run/auth/apps/{appId}';

/** draft-ietf-httpapi-ratelimit-headers, on every answer that was counted (§3). */
function rateLimitHeaders(state: RateLimitState): HeaderList {
  return [
    'RateLimit-Policy',
    `"default";q=${state.limit};w=60`,
    'RateLimit',
    `"default";r=${state.remaining};t=${state.resetSeconds}`,
  ];
}

function* pairs(list: HeaderList): Iterable<[string, string]> {
  for (let i = 0; i < list.length; i += 2) yield [list[i]!, list[i + 1]!];
}

/** A route's handler returns its 200 response; refusals are thrown AppErrors. */
interface Reply {
  body: unknown;
  headers?: HeaderList;
}
type Handler = (req: IncomingMessage, appId: string, query: string) => Promise<Reply>;
interface Route {
  /** The OpenAPI path template: the metrics' route label. */
  template: string;
  allow: string;
  methods: Partial<Record<string, Handler>>;
}

function withHead(template: string, methods: Partial<Record<string, Handler>>): Route {
  const all = { ...methods };
  if (all.GET) all.HEAD = all.GET;
  return { template, allow: Object.keys(all).join(', '), methods: all };
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AppError('bad_request', 'The request path is not valid.');
  }
}

function validAppId(raw: string): string {
  return pathParams({ appId: decodeSegment(raw) }, 'appId').appId;
}

export function createRunHandler(svc: Services): (req: IncomingMessage, res: ServerResponse) => void {
  const clientIp = clientIpResolver(svc.config.trustProxy);
  const accessLog = svc.logger.isLevelEnabled('debug');
  const logRefusal = createRefusalLog(svc.logger, svc.clock);

  function sessionRequest(req: IncomingMessage, appId: string): SessionRequest {
    const solution = req.headers['x-challenge-solution'] ?? req.headers['x-inkeep-challenge-solution'];
    return {
      appId,
      origin: req.headers.origin,
      clientIp: clientIp(req),
      bearer: bearerToken(req.headers.authorization),
      powSolution: typeof solution === 'string' ? solution : undefined,
    };
  }

  /** A use-case's outcome as the 200 reply, or its refusal thrown as the contract's error. */
  function answer<T>(outcome: Outcome<T>): Reply {
    const headers = outcome.rateLimit ? rateLimitHeaders(outcome.rateLimit) : undefined;
    if (outcome.ok) return { body: outcome.value, headers };
    const { code, reason, retryAfterSeconds } = outcome.refusal;
    const own: Record<string, string> = headers ? Object.fromEntries(pairs(headers)) : {};
    if (retryAfterSeconds !== undefined) own['Retry-After'] = String(retryAfterSeconds);
    throw new AppError(code, undefined, reason === undefined ? undefined : { reason }, own);
  }

  /** Counts what a session request ended in (§3.6); a refusal gets its log line (./refusal-log.ts). */
  function sessionOutcome<T extends object>(req: IncomingMessage, appId: string, outcome: Outcome<T>): Outcome<T> {
    if (outcome.ok) {
      const value = outcome.value as { authMethod?: 'anonymous' | 'authenticated'; fallbackReason?: string };
      svc.metrics.sessionIssued(value.authMethod ?? 'anonymous');
      if (value.fallbackReason) svc.metrics.fallback(value.fallbackReason);
    } else {
      const { code, reason } = outcome.refusal;
      logRefusal({ reqId: (req as { id?: string }).id, appId, code, reason });
    }
    return outcome;
  }

  const challenge = withHead('/run/auth/pow/challenge', {
    async GET(_req, _appId, query) {
      if (!svc.config.pow) throw new AppError('pow_disabled');
      const params = new URLSearchParams(query);
      const bound = params.getAll('appId');
      if (bound.length > 1) throw new AppError('validation_failed', 'appId may be given once.');
      const appId = bound[0] === undefined ? undefined : validAppId(bound[0]);
      return { body: await createPowChallenge(svc.config.pow, svc.clock, appId) };
    },
  });

  const anonymousSession = withHead(`${APPS_TEMPLATE}/anonymous-session`, {
    async POST(req, appId) {
      return answer(sessionOutcome(req, appId, await requestAnonymousSession(svc, sessionRequest(req, appId))));
    },
  });

  const session = withHead(`${APPS_TEMPLATE}/session`, {
    async POST(req, appId) {
      return answer(sessionOutcome(req, appId, await requestCustomerSession(svc, sessionRequest(req, appId))));
    },
    async GET(req, appId) {
      return answer(await introspectSession(svc, appId, bearerToken(req.headers.authorization)));
    },
  });

  /** The route for a path under /run, and the app id it names. */
  function match(path: string): { route: Route; appId: string } | undefined {
    if (path === '/run/auth/pow/challenge') return { route: challenge, appId: '' };
    if (!path.startsWith(APPS_PREFIX)) return undefined;
    const rest = path.slice(APPS_PREFIX.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) return undefined;
    const tail = rest.slice(slash + 1);
    const route = tail === 'anonymous-session' ? anonymousSession : tail === 'session' ? session : undefined;
    return route && { route, appId: rest.slice(0, slash) };
  }

  /** Serves a run-API request; `seen.route` gets the route template as soon as it is known (the metrics' label). */
  async function handle(req: IncomingMessage, seen: { route: string }): Promise<Reply> {
    const url = req.url!;
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const found = match(path);
    if (!found) throw new AppError('not_found');
    seen.route = found.route.template;
    const handler = found.route.methods[req.method!];
    if (!handler) throw new AppError('method_not_allowed', undefined, undefined, { Allow: found.route.allow });
    // No handler here uses a body, but the rules for one still hold (§0): JSON, at most 64 KiB.
    if (hasBody(req.headers)) {
      if (hasNonJsonBody(req.headers)) throw new AppError('unsupported_media_type');
      // The shared error module closes the connection on a 413 (respond.ts).
      if (!(await discardBody(req))) throw new AppError('payload_too_large');
    }
    const appId = found.appId && validAppId(found.appId);
    // Another process's write is noticed here (SQLite) and the keys it may
    // have rotated are loaded before this request signs or verifies anything.
    svc.store.changes.poll();
    if (svc.keyring.settled) await svc.keyring.settled;
    return handler(req, appId, q === -1 ? '' : url.slice(q + 1));
  }

  // Counted here, where the route and the answer are known, rather than by a
  // 'finish' listener added to every response of the hottest path. The time
  // is up to the answer being handed to the socket.
  const metrics = svc.config.metricsEnabled ? svc.metrics : undefined;
  const count = (req: IncomingMessage, route: string, status: number, started: number, code?: ErrorCode) =>
    metrics?.request(route, req.method!, status, (performance.now() - started) / 1000, code);

  return function runApi(req, res) {
    const started = metrics ? performance.now() : 0;
    const id = requestId(req.headers['x-request-id']);
    // For the shared error module's log lines (respond.ts), as Express's requests carry it.
    (req as IncomingMessage & { id?: string }).id = id;
    // CORS on every response, errors included, so a widget can read why it was
    // refused — and the request id, to quote when it reports a problem.
    // Reflecting the Origin grants nothing: no credentials are honoured, and
    // the allowlist is enforced by the handlers. No answer is for a cache: a
    // 404 is heuristically cacheable, and would outlive the app's creation.
    const origin = req.headers.origin;
    const common: HeaderList =
      origin === undefined
        ? [REQUEST_ID_HEADER, id, 'Cache-Control', 'no-store']
        : [
            REQUEST_ID_HEADER,
            id,
            'Cache-Control',
            'no-store',
            'Access-Control-Allow-Origin',
            origin,
            'Vary',
            'Origin',
            'Access-Control-Expose-Headers',
            CORS_EXPOSE_HEADERS,
          ];
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res.writeHead(204, [
        ...common,
        'Access-Control-Allow-Methods',
        CORS_ALLOW_METHODS,
        'Access-Control-Allow-Headers',
        CORS_ALLOW_HEADERS,
        'Access-Control-Max-Age',
        '600',
      ]);
      res.end();
      if (metrics) count(req, match(req.url!.split('?', 1)[0]!)?.route.template ?? UNMATCHED_ROUTE, 204, started);
      return;
    }
    // Access lines at debug: at info, logging every widget page load costs more than serving it.
    if (accessLog) {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        svc.logger.debug({ reqId: id, method: req.method, url: loggedUrl(req.url!), status: res.statusCode, ms }, 'run request');
      });
    }
    const seen = { route: UNMATCHED_ROUTE };
    handle(req, seen)
      .then((reply) => {
        sendJson(res, 200, reply.body, common, reply.headers ?? []);
        count(req, seen.route, 200, started);
      })
      .catch((error: unknown) => {
        if (res.headersSent) return void res.destroy();
        try {
          const refusal = toAppError(error, svc, req);
          sendError(res, refusal, common);
          count(req, seen.route, refusal.status, started, refusal.code);
        } catch {
          // Nothing left to answer with; never let a response failure become an unhandled rejection.
          res.destroy();
        }
      });
  };
}
