// createApp wires the service's HTTP surface; it never listens. The run API
// (§3, the hot path) is served by plain node:http handlers; everything else —
// management, JWKS, operations, 404s — by Express with its middleware.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { BODY_LIMIT_BYTES, refuseLargeDeclaredBody } from './http/body-limit.js';
import { errorHandler, notFound } from './http/middleware/error-handler.js';
import { manageAuth } from './http/middleware/manage-auth.js';
import { requireJsonBody } from './http/middleware/require-json.js';
import { manageAppsRouter } from './http/routes/manage-apps.js';
import { manageKeysRouter } from './http/routes/manage-keys.js';
import { opsRouter } from './http/routes/ops.js';
import { assignRequestId } from './http/request-id.js';
import { createRunHandler } from './http/run-api.js';
import type { Services } from './services.js';

export function createExpressApp(svc: Services): Express {
  const app = express();
  // Nothing here serves conditional GETs or needs a framework banner.
  app.disable('x-powered-by');
  app.disable('etag');
  // A hop count, never `true`: only that many proxies' X-Forwarded-For is believed.
  app.set('trust proxy', svc.config.trustProxy);

  // Every log line of a request carries its id as `reqId` (§0).
  app.use(pinoHttp({ logger: svc.logger, quietReqLogger: true, genReqId: assignRequestId }));
  app.use(
    '/manage',
    // Authentication first: a client without the key learns nothing about what
    // the management API would make of its request, not even its media type.
    manageAuth(svc.manageKey),
    requireJsonBody,
    refuseLargeDeclaredBody,
    express.json({ limit: BODY_LIMIT_BYTES, strict: true, type: 'application/json' }),
    manageAppsRouter(svc),
    manageKeysRouter(svc),
  );
  app.use(requireJsonBody);
  app.use(opsRouter(svc));

  app.use(notFound);
  app.use(errorHandler(svc.logger));
  return app;
}

export function createApp(svc: Services): RequestListener {
  const runApi = createRunHandler(svc);
  const rest = createExpressApp(svc);
  return function latchkey(req: IncomingMessage, res: ServerResponse) {
    if (req.url!.startsWith('/run/')) runApi(req, res);
    else rest(req, res);
  };
}
