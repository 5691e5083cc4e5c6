// §2.5 Revoking sessions of an app.
import { Router } from 'express';
import { AppError } from '../../errors.js';
import { addRevocationBody } from '../../revocations/revocation-schema.js';
import { addRevocation, toRevocationResource } from '../../revocations/revocations.js';
import type { Services } from '../../services.js';
import { parseOrThrow, pathParams } from '../validation.js';
import { writeContext } from '../write-context.js';
import { APPS_PATH } from './manage-apps.js';
import { route } from './route.js';

const REVOCATIONS_PATH = `${APPS_PATH}/:appId/revocations`;

export function manageRevocationsRouter(svc: Services): Router {
  const router = Router();

  async function scopedApp(params: Record<string, string | string[] | undefined>) {
    const { appId, ...scope } = pathParams(params, 'tenantId', 'projectId', 'appId');
    if (!(await svc.store.apps.getScoped(scope, appId))) throw new AppError('app_not_found');
    return { appId, scope };
  }

  route(router, REVOCATIONS_PATH, {
    async get(req, res) {
      const { appId } = await scopedApp(req.params);
      res.json({ data: (await svc.store.revocations.list(appId)).map(toRevocationResource) });
    },
    async post(req, res) {
      const { appId, scope } = await scopedApp(req.params);
      const body = parseOrThrow(addRevocationBody, req.body);
      // In effect from the next request: the store's change feed drops every node's cached revocations.
      const added = await addRevocation(svc.store, writeContext(req, res, svc.clock), scope, appId, body);
      if (!added.ok) {
        if (added.reason !== 'issued_before_too_late') throw new AppError(added.reason);
        throw new AppError('validation_failed', undefined, {
          details: [{ path: 'issuedBefore', message: 'must be at most 60 seconds after now' }],
        });
      }
      res.status(201).json({ data: toRevocationResource(added.revocation) });
    },
  });

  return router;
}
