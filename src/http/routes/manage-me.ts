// §2.7 Who the caller is, and where it may act — any valid key. The admin
// console starts from these two.
import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../services.js';
import { callerOf } from '../middleware/manage-auth.js';
import { parseOrThrow, PATH_PATTERNS } from '../validation.js';
import { route } from './route.js';

const projectsQuery = z.strictObject({
  tenantId: z.string().regex(PATH_PATTERNS.tenantId, `must match ${PATH_PATTERNS.tenantId.source}`).optional(),
});

export function manageMeRouter(svc: Services): Router {
  const router = Router();

  route(router, '/me', {
    get(_req, res) {
      const caller = callerOf(res);
      if (caller.type === 'root') return void res.json({ data: { type: 'root' } });
      const { id, name, tenantId, projectId, expiresAt } = caller.key;
      res.json({ data: { type: 'api_key', id, name, tenantId, projectId, expiresAt: expiresAt?.toISOString() ?? null } });
    },
  });

  route(router, '/projects', {
    async get(req, res) {
      const { tenantId } = parseOrThrow(projectsQuery, req.query);
      const caller = callerOf(res);
      if (caller.type === 'api_key' && tenantId !== undefined && tenantId !== caller.key.tenantId) {
        return void res.json({ data: [] });
      }
      const within =
        caller.type === 'root'
          ? { tenantId }
          : { tenantId: caller.key.tenantId, projectId: caller.key.projectId ?? undefined };
      res.json({ data: await svc.store.apps.projects(within) });
    },
  });

  return router;
}
