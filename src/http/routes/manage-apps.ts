// §2.1 Apps. Handlers are thin: validate, call the store, send.
import { Router } from 'express';
import { createAppBody, listAppsQuery, patchAppBody } from '../../apps/app-schema.js';
import { createApp, deleteApp, getScopedApp, listApps, patchApp, toAppResource } from '../../apps/app-store.js';
import { AppError } from '../../errors.js';
import type { Services } from '../../services.js';
import { parseOrThrow, pathParams } from '../validation.js';
import { route } from './route.js';

export const APPS_PATH = '/tenants/:tenantId/projects/:projectId/apps';

export function manageAppsRouter(svc: Services): Router {
  const router = Router();

  route(router, APPS_PATH, {
    get(req, res) {
      const scope = pathParams(req.params, 'tenantId', 'projectId');
      const { page, limit } = parseOrThrow(listAppsQuery, req.query);
      const { rows, total } = listApps(svc.db, scope, page, limit);
      res.json({ data: rows.map(toAppResource), pagination: { page, limit, total } });
    },
    post(req, res) {
      const scope = pathParams(req.params, 'tenantId', 'projectId');
      const input = parseOrThrow(createAppBody, req.body);
      res.status(201).json({ data: toAppResource(createApp(svc.db, svc.clock, scope, input)) });
    },
  });

  route(router, `${APPS_PATH}/:appId`, {
    get(req, res) {
      const { appId, ...scope } = pathParams(req.params, 'tenantId', 'projectId', 'appId');
      const row = getScopedApp(svc.db, scope, appId);
      if (!row) throw new AppError('app_not_found');
      res.json({ data: toAppResource(row) });
    },
    patch(req, res) {
      const { appId, ...scope } = pathParams(req.params, 'tenantId', 'projectId', 'appId');
      const patch = parseOrThrow(patchAppBody, req.body);
      const row = patchApp(svc.db, svc.clock, scope, appId, patch);
      if (!row) throw new AppError('app_not_found');
      svc.apps.invalidate(appId);
      res.json({ data: toAppResource(row) });
    },
    delete(req, res) {
      const { appId, ...scope } = pathParams(req.params, 'tenantId', 'projectId', 'appId');
      if (!deleteApp(svc.db, scope, appId)) throw new AppError('app_not_found');
      svc.apps.invalidate(appId);
      res.status(204).end();
    },
  });

  return router;
}
