// §2.2 Customer public keys of an app.
import { Router } from 'express';
import { getScopedApp } from '../../apps/app-store.js';
import { AppError } from '../../errors.js';
import { addKeyBody } from '../../keys/key-schema.js';
import { addKey, deleteKey, listKeys, toKeyResource } from '../../keys/key-store.js';
import { validatePublicKey } from '../../keys/validate-public-key.js';
import type { Services } from '../../services.js';
import { parseOrThrow, pathParams } from '../validation.js';
import { APPS_PATH } from './manage-apps.js';
import { route } from './route.js';

const KEYS_PATH = `${APPS_PATH}/:appId/auth-keys`;

export function manageKeysRouter(svc: Services): Router {
  const router = Router();

  function scopedAppId(params: Record<string, string | string[] | undefined>): string {
    const { appId, ...scope } = pathParams(params, 'tenantId', 'projectId', 'appId');
    if (!getScopedApp(svc.db, scope, appId)) throw new AppError('app_not_found');
    return appId;
  }

  route(router, KEYS_PATH, {
    get(req, res) {
      const appId = scopedAppId(req.params);
      res.json({ data: listKeys(svc.db, appId).map(toKeyResource) });
    },
    async post(req, res) {
      const appId = scopedAppId(req.params);
      const body = parseOrThrow(addKeyBody, req.body);
      const checked = await validatePublicKey(body.publicKey, body.algorithm);
      if (!checked.ok) throw new AppError('invalid_public_key', `The public key was refused: ${checked.reason}.`);
      const added = addKey(svc.db, svc.clock, appId, {
        kid: body.kid,
        algorithm: body.algorithm,
        publicKey: checked.publicKey,
        thumbprint: checked.thumbprint,
      });
      if (!added.ok) throw new AppError(added.reason);
      svc.apps.invalidate(appId);
      res.status(201).json({ data: toKeyResource(added.key) });
    },
  });

  route(router, `${KEYS_PATH}/:kid`, {
    delete(req, res) {
      const appId = scopedAppId(req.params);
      const { kid } = pathParams(req.params, 'kid');
      if (!deleteKey(svc.db, appId, kid)) throw new AppError('key_not_found');
      // Effective for the next request: the cached imported keys go too.
      svc.apps.invalidate(appId);
      res.status(204).end();
    },
  });

  return router;
}
