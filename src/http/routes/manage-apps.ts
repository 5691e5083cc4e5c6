// §2.1 Apps. Handlers are thin: validate, call the domain, send.
import { Router } from 'express';
import { createAppBody, listAppsQuery, patchAppBody } from '../../apps/app-schema.js';
import { createApp, deleteApp, patchApp, toAppResource } from '../../apps/apps.js';
import { AppError } from '../../errors.js';
import type { Services } from '../../services.js';
import { parseOrThrow, pathParams } from '../validation.js';
import { writeContext } from '../write-context.js';
import { route } from './route.js';

export const APPS_PATH = '/tenants/:tenantId/projects/:projectId/apps';

export function manageAppsRouter(svc: Services): Router {
  const router = Router();

  route(router, APPS_PATH, {
    async get(req, res) {
      const scope = pathParams(req.params, 'tenantId', 'projectId');
      const { page, limit } = parseOrThrow(listAppsQuery, req.query);
      const { apps, total } = await svc.store.apps.list(scope, page, limit);
      res.json({ data: apps.map(toAppResource), pagination: { page, limit, total } });
    },
    async post(req, res) {
      const scope = pathParams(req.params, 'tenantId', 'projectId');
      const input = parseOrThrow(createAppBody, req.body);
      res.status(201).json({ data: toAppResource(await createApp(svc.store, writeContext(req, res, svc.clock), scope, input)) });
    },
  });

  route(router, `${APPS_PATH}/:appId`, {
    async get(req, res) {
      const { appId, ...scope } = pathParams(req.params, 'tenantId', 'projectId', 'appId');
      const app = await svc.store.apps.getScoped(scope, appId);
      if (!app) throw new AppError('app_not_found');
      res.json({ data: toAppResource(app) });
    },
    async patch(req, res) {
      const { appId, ...scope } = pathParams(req.params, 'tenantId', 'projectId', 'appId');
      const patch = parseOrThrow(patchAppBody, req.body);
      const app = await patchApp(svc.store, writeContext(req, res, svc.clock), scope, appId, patch);
      if (!app) throw new AppError('app_not_found');
      res.json({ data: toAppResource(app) });
    },
    async delete(req, res) {
      const { appId, ...scope } = pathParams(req.params, 'tenantId', 'projectId', 'appId');
      if (!(await deleteApp(svc.store, writeContext(req, res, svc.clock), scope, appId))) throw new AppError('app_not_found');
      res.status(204).end();
    },
  });

  return router;
}
