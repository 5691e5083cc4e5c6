// §2.6 The service's signing keys — root only (every path outside /tenants is).
import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { revokeSigningKey, rotateSigningKey } from '../../signing/lifecycle.js';
import { toSigningKeyResource } from '../../signing/signing-key.js';
import type { Services } from '../../services.js';
import { parseOrThrow, pathParams } from '../validation.js';
import { writeContext } from '../write-context.js';
import { route } from './route.js';

export const rotateSigningKeyBody = z.strictObject({ immediate: z.boolean().optional() });

export function manageSigningKeysRouter(svc: Services): Router {
  const router = Router();
  const now = () => svc.clock.now();

  route(router, '/signing-keys', {
    async get(_req, res) {
      const keys = await svc.store.signingKeys.all();
      res.json({ data: keys.map((key) => toSigningKeyResource(key, now())) });
    },
  });

  route(router, '/signing-keys/rotate', {
    async post(req, res) {
      // No body at all is a plain rotation.
      const { immediate } = parseOrThrow(rotateSigningKeyBody, req.body ?? {});
      const key = await rotateSigningKey(svc.store, writeContext(req, res, svc.clock), { immediate }, svc.config);
      req.log.info({ kid: key.kid, alg: key.alg, activatesAt: key.activatesAt, immediate: Boolean(immediate) }, 'signing key rotated');
      res.status(201).json({ data: toSigningKeyResource(key, now()) });
    },
  });

  route(router, '/signing-keys/:kid/revoke', {
    async post(req, res) {
      const { kid } = pathParams(req.params, 'kid');
      const result = await revokeSigningKey(svc.store, writeContext(req, res, svc.clock), kid, svc.config);
      if (!result.ok) throw new AppError(result.reason);
      req.log.warn({ kid }, 'signing key revoked: its tokens are refused from now on');
      res.json({ data: toSigningKeyResource(result.key, now()) });
    },
  });

  return router;
}
