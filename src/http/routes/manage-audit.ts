// §2.4 Audit events: a tenant's (scoped keys see their tenant, a project key
// its project), and the root's service-wide list.
import { Router } from 'express';
import { z } from 'zod';
import { AUDIT_ACTIONS, decodeCursor, encodeCursor, toAuditEventResource } from '../../audit/audit-event.js';
import { AppError } from '../../errors.js';
import type { Services } from '../../services.js';
import type { AuditFilter } from '../../store/store.js';
import { callerOf } from '../middleware/manage-auth.js';
import { parseOrThrow, PATH_PATTERNS, pathParams } from '../validation.js';
import { route } from './route.js';

const listQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^(?:0|[1-9]\d*)$/, 'must be a whole number in plain decimal digits, given once')
    .transform(Number)
    .pipe(z.number().int().min(1).max(100))
    .default(50),
  cursor: z.string().optional(),
  appId: z.string().regex(PATH_PATTERNS.appId, `must match ${PATH_PATTERNS.appId.source}`).optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
});

export function manageAuditRouter(svc: Services): Router {
  const router = Router();

  async function list(filter: Omit<AuditFilter, 'limit' | 'before'>, query: unknown) {
    const { limit, cursor, appId, action } = parseOrThrow(listQuery, query);
    const before = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && before === undefined) {
      throw new AppError('validation_failed', undefined, { details: [{ path: 'cursor', message: 'is not a cursor this service gave out' }] });
    }
    const page = await svc.store.audit.list({ ...filter, appId, action, before, limit });
    return { data: page.events.map(toAuditEventResource), nextCursor: page.next === null ? null : encodeCursor(page.next) };
  }

  route(router, '/tenants/:tenantId/audit-events', {
    async get(req, res) {
      const { tenantId } = pathParams(req.params, 'tenantId');
      const caller = callerOf(res);
      const projectId = caller.type === 'api_key' ? (caller.key.projectId ?? undefined) : undefined;
      res.json(await list({ tenantId, projectId }, req.query));
    },
  });

  route(router, '/audit-events', {
    async get(req, res) {
      res.json(await list({}, req.query));
    },
  });

  return router;
}
