// §2.3 Scoped management keys — root only (manage-auth's scope check refuses
// every scoped key here with 403).
import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { createApiKey, createApiKeyBody, revokeApiKey, toApiKeyResource } from '../../manage/api-keys.js';
import type { Services } from '../../services.js';
import { parseOrThrow, PATH_PATTERNS, pathParams } from '../validation.js';
import { writeContext } from '../write-context.js';
import { route } from './route.js';

const listQuery = z.strictObject({
  tenantId: z.string().regex(PATH_PATTERNS.tenantId, `must match ${PATH_PATTERNS.tenantId.source}`).optional(),
});

export function manageApiKeysRouter(svc: Services): Router {
  const router = Router();

  route(router, '/api-keys', {
    async get(req, res) {
      const { tenantId } = parseOrThrow(listQuery, req.query);
      res.json({ data: (await svc.store.apiKeys.list(tenantId)).map(toApiKeyResource) });
    },
    async post(req, res) {
      const input = parseOrThrow(createApiKeyBody, req.body);
      const created = await createApiKey(svc.store, writeContext(req, res, svc.clock), input);
      if (!created.ok) {
        throw new AppError('validation_failed', undefined, { details: [{ path: 'expiresAt', message: 'must be in the future' }] });
      }
      // The secret is shown this once; only its hash is stored.
      res.status(201).json({ data: toApiKeyResource(created.key), secret: created.secret });
    },
  });

  route(router, '/api-keys/:apiKeyId', {
    async delete(req, res) {
      const { apiKeyId } = pathParams(req.params, 'apiKeyId');
      const result = await revokeApiKey(svc.store, writeContext(req, res, svc.clock), apiKeyId);
      if (result === 'not_found') throw new AppError('api_key_not_found');
      res.status(204).end();
    },
  });

  return router;
}
