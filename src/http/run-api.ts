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
import type { CachedApp } from '../apps/app-cache.js';
import { AppError } from '../errors.js';
import { createPowChallenge } from '../pow/challenge.js';
import { checkProofOfWork } from '../pow/check-proof-of-work.js';
import { issueAnonymousSession } from '../sessions/anonymous-session.js';
import { signInWithCustomerJwt } from '../sessions/customer-session.js';
import { introspect } from '../sessions/introspect.js';
import type { Services } from '../services.js';
import { bearerToken } from './bearer.js';
import { discardBody, hasBody } from './body-limit.js';
import { clientIpResolver } from './client-ip.js';
import { hasNonJsonBody } from './middleware/require-json.js';
import { REQUEST_ID_HEADER, requestId } from './request-id.js';
import { sendError, sendJson, type HeaderList } from './respond.js';
import { pathParams } from './validation.js';

const NO_STORE: HeaderList = ['Cache-Control', 'no-store'];
const CORS_ALLOW_HEADERS = 'Authorization, Content-Type, X-Challenge-Solution, X-Inkeep-Challenge-Solution, X-Request-Id';
const CORS_ALLOW_METHODS = 'GET, POST, OPTIONS';
const APPS_PREFIX = '/run/auth/apps/';
// The rest of the body is still on the wire: the connection ends with this answer.
const TOO_LARGE_HEADERS = { Connection: 'close' };

/** A route's handler returns the body of its 200 response; refusals are thrown AppErrors. */
type Handler = (req: IncomingMessage, appId: string, query: string) => Promise<unknown> | unknown;
interface Route {
  allow: string;
  methods: Partial<Record<string, Handler>>;
}

function withHead(methods: Partial<Record<string, Handler>>): Route {
  const all = { ...methods };
  if (all.GET) all.HEAD = all.GET;
  return { allow: Object.keys(all).join(', '), methods: all };
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

  function enabledApp(appId: string): CachedApp {
    svc.watcher.poll();
    const app = svc.apps.get(appId);
    if (!app || !app.row.enabled) throw new AppError('app_not_found');
    return app;
  }

  /** Steps 1–4 of §3.2, shared by both session-issuing routes. */
  async function admit(req: IncomingMessage, appId: string, anonymousOnly: boolean): Promise<CachedApp> {
    const app = enabledApp(appId);
    if (anonymousOnly && !app.row.allowAnonymous) throw new AppError('anonymous_disabled');
    if (!app.originAllowed(req.headers.origin)) throw new AppError('origin_not_allowed');
    const limited = await svc.rateLimiter.hit(clientIp(req));
    if (!limited.ok) {
      throw new AppError('rate_limited', undefined, undefined, { 'Retry-After': String(limited.retryAfterSeconds) });
    }
    return app;
  }

  /** Step 5 of §3.2, for every anonymous issue (including §3.3's fallback). */
  function requireProofOfWork(req: IncomingMessage, appId: string): void {
    if (!svc.config.pow) return;
    const header = req.headers['x-challenge-solution'] ?? req.headers['x-inkeep-challenge-solution'];
    const check = checkProofOfWork(
      { pow: svc.config.pow, clock: svc.clock, spent: svc.spentChallenges },
      typeof header === 'string' ? header : undefined,
      appId,
    );
    if (!check.ok) throw new AppError(check.code);
  }

  const challenge = withHead({
    async GET(_req, _appId, query) {
      if (!svc.config.pow) throw new AppError('pow_disabled');
      const params = new URLSearchParams(query);
      const bound = params.getAll('appId');
      if (bound.length > 1) throw new AppError('validation_failed', 'appId may be given once.');
      const appId = bound[0] === undefined ? undefined : validAppId(bound[0]);
      return createPowChallenge(svc.config.pow, svc.clock, appId);
    },
  });

  const anonymousSession = withHead({
    async POST(req, appId) {
      const app = await admit(req, appId, true);
      requireProofOfWork(req, app.row.id);
      return issueAnonymousSession(svc, app.row, bearerToken(req.headers.authorization));
    },
  });

  const session = withHead({
    async POST(req, appId) {
      const app = await admit(req, appId, false);
      const token = bearerToken(req.headers.authorization);
      if (!token) throw new AppError('token_required');
      const signIn = await signInWithCustomerJwt(svc, app, token);
      if (signIn.ok) return signIn.session;
      // Too-large claims are the customer's bug, never a reason to hand out an anonymous session instead.
      if (signIn.reason === 'claims_too_large') throw new AppError('claims_too_large', undefined, { reason: signIn.reason });
      if (!app.row.allowAnonymous) throw new AppError('invalid_token', undefined, { reason: signIn.reason });
      // The fallback is exactly §3.2 without a bearer: proof of work, then a fresh identity.
      requireProofOfWork(req, app.row.id);
      const anonymous = issueAnonymousSession(svc, app.row);
      return { ...anonymous, authMethod: 'anonymous', fallbackReason: signIn.reason };
    },
    GET(req, appId) {
      const app = enabledApp(appId);
      const result = introspect(
        { keyring: svc.keyring, clock: svc.clock, issuer: svc.config.issuer },
        app.row,
        bearerToken(req.headers.authorization),
      );
      if (!result.ok) throw new AppError(result.code);
      return result.session;
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

  async function handle(req: IncomingMessage): Promise<unknown> {
    const url = req.url!;
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const found = match(path);
    if (!found) throw new AppError('not_found');
    const handler = found.route.methods[req.method!];
    if (!handler) throw new AppError('method_not_allowed', undefined, undefined, { Allow: found.route.allow });
    // No handler here uses a body, but the rules for one still hold (§0): JSON, at most 64 KiB.
    if (hasBody(req.headers)) {
      if (hasNonJsonBody(req.headers)) throw new AppError('unsupported_media_type');
      if (!(await discardBody(req))) throw new AppError('payload_too_large', undefined, undefined, TOO_LARGE_HEADERS);
    }
    const appId = found.appId && validAppId(found.appId);
    return handler(req, appId, q === -1 ? '' : url.slice(q + 1));
  }

  return function runApi(req, res) {
    const id = requestId(req.headers['x-request-id']);
    // CORS on every response, errors included, so a widget can read why it was
    // refused — and the request id, to quote when it reports a problem.
    // Reflecting the Origin grants nothing: no credentials are honoured, and
    // the allowlist is enforced by the handlers.
    const origin = req.headers.origin;
    const common: HeaderList =
      origin === undefined
        ? [REQUEST_ID_HEADER, id]
        : [
            REQUEST_ID_HEADER,
            id,
            'Access-Control-Allow-Origin',
            origin,
            'Vary',
            'Origin',
            'Access-Control-Expose-Headers',
            REQUEST_ID_HEADER,
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
      return;
    }
    // Access lines at debug: at info, logging every widget page load costs more than serving it.
    if (accessLog) {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        svc.logger.debug({ reqId: id, method: req.method, url: req.url, status: res.statusCode, ms }, 'run request');
      });
    }
    handle(req)
      .then((body) => sendJson(res, 200, body, common, NO_STORE))
      .catch((error: unknown) => {
        if (res.headersSent) return void res.destroy();
        if (!(error instanceof AppError)) {
          svc.logger.error({ err: error, reqId: id, method: req.method, url: req.url }, 'unhandled error');
        }
        try {
          sendError(res, error instanceof AppError ? error : new AppError('internal_error'), common);
        } catch {
          // Nothing left to answer with; never let a response failure become an unhandled rejection.
          res.destroy();
        }
      });
  };
}
