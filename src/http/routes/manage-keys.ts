// §2.2 Customer public keys of an app.
import { Router } from 'express';
import { AppError } from '../../errors.js';
import { addKeyBody } from '../../keys/key-schema.js';
import { addKey, deleteKey, toKeyResource } from '../../keys/keys.js';
import { validatePublicKey } from '../../keys/validate-public-key.js';
import type { Services } from '../../services.js';
import { parseOrThrow, pathParams } from '../validation.js';
import { writeContext } from '../write-context.js';
import { APPS_PATH } from './manage-apps.js';
import { route } from './route.js';

const KEYS_PATH = `${APPS_PATH}/:appId/auth-keys`;

export function manageKeysRouter(svc: Services): Router {
  const router = Router();

  async function scopedApp(params: Record<string, string | string[] | undefined>) {
    const { appId, ...scope } = pathParams(params, 'tenantId', 'projectId', 'appId');
    if (!(await svc.store.apps.getScoped(scope, appId))) throw new AppError('app_not_found');
    return { appId, scope };
  }

  route(router, KEYS_PATH, {
    async get(req, res) {
      const { appId } = await scopedApp(req.params);
      res.json({ data: (await svc.store.keys.list(appId)).map(toKeyResource) });
    },
    async post(req, res) {
      const { appId, scope } = await scopedApp(req.params);
      const body = parseOrThrow(addKeyBody, req.body);
      const checked = await validatePublicKey(body.publicKey, body.algorithm);
      if (!checked.ok) throw new AppError('invalid_public_key', `The public key was refused: ${checked.reason}.`);
      const added = await addKey(svc.store, writeContext(req, res, svc.clock), scope, appId, {
        kid: body.kid,
        algorithm: body.algorithm,
        publicKey: checked.publicKey,
        thumbprint: checked.thumbprint,
      });
      if (!added.ok) throw new AppError(added.reason);
      res.status(201).json({ data: toKeyResource(added.key) });
    },
  });

  route(router, `${KEYS_PATH}/:kid`, {
    async delete(req, res) {
      const { appId, scope } = await scopedApp(req.params);
      const { kid } = pathParams(req.params, 'kid');
      // Effective for the next request: the store's change feed drops the cached keys.
      if (!(await deleteKey(svc.store, writeContext(req, res, svc.clock), scope, appId, kid))) throw new AppError('key_not_found');
      res.status(204).end();
    },
  });

  return router;
}
