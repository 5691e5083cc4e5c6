// §3.5 JWKS and §3.6 operations endpoints.
import { Router } from 'express';
import type { Services } from '../../services.js';
import { buildOpenApi } from '../openapi.js';
import { route } from './route.js';

/**
 * How long verifiers may cache the JWKS (§3.5). A rotated-in key is published
 * SIGNING_KEY_PREPUBLISH_SECONDS before it signs; with a max-age of at most
 * half that, every verifier that honours it has refetched (with time to spare
 * for a failed fetch) before the first token of the new key reaches it. Never
 * more than 5 minutes, so a revoked key leaves caches soon. With no
 * pre-publication (0) a new key signs at once and no max-age avoids a refetch:
 * 60 s bounds how long a revoked key lingers while sparing the service a
 * fetch per verification.
 */
export function jwksMaxAgeSeconds(prepublishSeconds: number): number {
  return prepublishSeconds === 0 ? 60 : Math.min(300, Math.floor(prepublishSeconds / 2));
}

export function opsRouter(svc: Services): Router {
  const router = Router();
  let openapi: string | undefined;
  const jwksCacheControl = `public, max-age=${jwksMaxAgeSeconds(svc.config.signingKeyPrepublishSeconds)}`;

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
      res.setHeader('Cache-Control', jwksCacheControl);
      // Public keys: any page may read them (a browser-side verifier, a console).
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.json(svc.keyring.jwks());
    },
  });

  return router;
}
