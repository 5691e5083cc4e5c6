// §3.6 GET /metrics: Prometheus text. With METRICS_TOKEN set a scraper must
// present it as a bearer token (401 `unauthorized` otherwise); the figures
// name no app, user or client, but traffic by route and refusals by code are
// still an operator's business. No failed-attempt lockout: the token has at
// least 32 characters, which no one guesses one request at a time.
import { Router } from 'express';
import { AppError } from '../../errors.js';
import { secretDigest, secretMatches } from '../../secret-digest.js';
import type { Services } from '../../services.js';
import { bearerToken, singleAuthorization } from '../bearer.js';
import { route } from './route.js';

export function metricsRouter(svc: Pick<Services, 'config' | 'metrics'>): Router {
  const router = Router();
  const token = svc.config.metricsToken === undefined ? undefined : secretDigest(svc.config.metricsToken);

  route(router, '/metrics', {
    async get(req, res) {
      if (token) {
        const presented = bearerToken(singleAuthorization(req));
        if (presented === undefined || !secretMatches(token, presented)) throw new AppError('unauthorized');
      }
      res.setHeader('Cache-Control', 'no-store');
      res.type(svc.metrics.contentType).send(await svc.metrics.render());
    },
  });

  return router;
}
