// §3.6 GET /metrics: Prometheus text. With METRICS_TOKEN set a scraper must
// present it as a bearer token (401 `unauthorized` otherwise); the figures
// name no app, user or client, but traffic by route and refusals by code are
// still an operator's business. No failed-attempt lockout: the token has at
// least 32 characters, which no one guesses one request at a time.
import { Router, type RequestHandler } from 'express';
import { AppError } from '../../errors.js';
import { secretDigest, secretMatches } from '../../secret-digest.js';
import type { Services } from '../../services.js';
import { bearerToken, singleAuthorization } from '../bearer.js';
import { route } from './route.js';

export const METRICS_PATH = '/metrics';

/**
 * The token check, mounted at METRICS_PATH after the route gate and before
 * the media-type check: §0 answers 401 before 415.
 */
export function requireMetricsToken(token: string): RequestHandler {
  const digest = secretDigest(token);
  return function metricsToken(req, _res, next) {
    const presented = bearerToken(singleAuthorization(req));
    next(presented !== undefined && secretMatches(digest, presented) ? undefined : new AppError('unauthorized'));
  };
}

export function metricsRouter(svc: Pick<Services, 'metrics'>): Router {
  const router = Router();
  route(router, METRICS_PATH, {
    async get(_req, res) {
      res.setHeader('Cache-Control', 'no-store');
      res.type(svc.metrics.contentType).send(await svc.metrics.render());
    },
  });
  return router;
}
