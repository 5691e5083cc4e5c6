// §3.5 JWKS and §3.6 operations endpoints.
import { Router } from 'express';
import type { Services } from '../../services.js';
import { buildOpenApi } from '../openapi.js';
import { route } from './route.js';

// Short enough that a rotated-in key reaches verifiers soon; verifiers such
// as jose's remote JWKS also refetch when they meet an unknown kid.
const JWKS_MAX_AGE_SECONDS = 300;

export function opsRouter(svc: Services): Router {
  const router = Router();
  let openapi: string | undefined;

  route(router, '/healthz', {
    get(_req, res) {
      res.json({ status: 'ok' });
    },
  });

  route(router, '/readyz', {
    async get(_req, res) {
      // A StoreUnavailableError becomes 503 service_unavailable with Retry-After.
      await svc.store.ping();
      res.json({ status: 'ready' });
    },
  });

  route(router, '/openapi.json', {
    get(_req, res) {
      openapi ??= JSON.stringify(buildOpenApi());
      res.type('application/json').send(openapi);
    },
  });

  route(router, '/.well-known/jwks.json', {
    async get(_req, res) {
      svc.store.changes.poll();
      if (svc.keyring.settled) await svc.keyring.settled;
      res.setHeader('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
      res.json(svc.keyring.jwks());
    },
  });

  return router;
}
