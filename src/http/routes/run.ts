// §3 Run API, called by browser widgets (anonymous and signed-in sessions, the
// proof-of-work challenge) and by widget backends (introspection).
import { Router, type Request } from 'express';
import type { CachedApp } from '../../apps/app-cache.js';
import { AppError } from '../../errors.js';
import { createPowChallenge } from '../../pow/challenge.js';
import { checkProofOfWork } from '../../pow/check-proof-of-work.js';
import { issueAnonymousSession } from '../../sessions/anonymous-session.js';
import { signInWithCustomerJwt } from '../../sessions/customer-session.js';
import { introspect } from '../../sessions/introspect.js';
import type { Services } from '../../services.js';
import { bearerToken } from '../bearer.js';
import { pathParams } from '../validation.js';
import { route } from './route.js';

export function runRouter(svc: Services): Router {
  const router = Router();

  function enabledApp(req: Request): CachedApp {
    const { appId } = pathParams(req.params, 'appId');
    svc.watcher.poll();
    const app = svc.apps.get(appId);
    if (!app || !app.row.enabled) throw new AppError('app_not_found');
    return app;
  }

  /** Steps 1–4 of §3.2, shared by both session-issuing routes. */
  async function admit(req: Request, options: { anonymousOnly: boolean }): Promise<CachedApp> {
    const app = enabledApp(req);
    if (options.anonymousOnly && !app.row.allowAnonymous) throw new AppError('anonymous_disabled');
    if (!app.originAllowed(req.headers.origin)) throw new AppError('origin_not_allowed');
    const limited = await svc.rateLimiter.hit(req.ip);
    if (!limited.ok) {
      throw new AppError('rate_limited', undefined, undefined, { 'Retry-After': String(limited.retryAfterSeconds) });
    }
    return app;
  }

  /** Step 5 of §3.2, for every anonymous issue (including §3.3's fallback). */
  function requireProofOfWork(req: Request, appId: string): void {
    if (!svc.config.pow) return;
    const header = req.headers['x-challenge-solution'] ?? req.headers['x-inkeep-challenge-solution'];
    const check = checkProofOfWork(
      { pow: svc.config.pow, clock: svc.clock, spent: svc.spentChallenges },
      typeof header === 'string' ? header : undefined,
      appId,
    );
    if (!check.ok) throw new AppError(check.code);
  }

  route(router, '/auth/pow/challenge', {
    async get(req, res) {
      if (!svc.config.pow) throw new AppError('pow_disabled');
      const appId = req.query.appId;
      if (appId !== undefined && typeof appId !== 'string') throw new AppError('validation_failed');
      if (appId !== undefined) pathParams({ appId }, 'appId');
      res.setHeader('Cache-Control', 'no-store');
      res.json(await createPowChallenge(svc.config.pow, svc.clock, appId));
    },
  });

  route(router, '/auth/apps/:appId/anonymous-session', {
    async post(req, res) {
      const app = await admit(req, { anonymousOnly: true });
      requireProofOfWork(req, app.row.id);
      res.setHeader('Cache-Control', 'no-store');
      res.json(issueAnonymousSession(svc, app.row, bearerToken(req.headers.authorization)));
    },
  });

  route(router, '/auth/apps/:appId/session', {
    async post(req, res) {
      const app = await admit(req, { anonymousOnly: false });
      const token = bearerToken(req.headers.authorization);
      if (!token) throw new AppError('token_required');
      const signIn = await signInWithCustomerJwt(svc, app, token);
      res.setHeader('Cache-Control', 'no-store');
      if (signIn.ok) return void res.json(signIn.session);
      // Too-large claims are the customer's bug, never a reason to hand out an anonymous session instead.
      if (signIn.reason === 'claims_too_large') throw new AppError('claims_too_large', undefined, { reason: signIn.reason });
      if (!app.row.allowAnonymous) throw new AppError('invalid_token', undefined, { reason: signIn.reason });
      // The fallback is exactly §3.2 without a bearer: proof of work, then a fresh identity.
      requireProofOfWork(req, app.row.id);
      res.json({ ...issueAnonymousSession(svc, app.row), authMethod: 'anonymous', fallbackReason: signIn.reason });
    },
    get(req, res) {
      const app = enabledApp(req);
      const result = introspect(
        { keyring: svc.keyring, clock: svc.clock, issuer: svc.config.issuer },
        app.row,
        bearerToken(req.headers.authorization),
      );
      if (!result.ok) throw new AppError(result.code);
      res.setHeader('Cache-Control', 'no-store');
      res.json(result.session);
    },
  });

  return router;
}
