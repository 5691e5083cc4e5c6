// createApp wires middleware and routers in their order; it never listens.
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { errorHandler, notFound } from './http/middleware/error-handler.js';
import { manageAuth } from './http/middleware/manage-auth.js';
import { runCors } from './http/middleware/cors.js';
import { requireJsonBody } from './http/middleware/require-json.js';
import { manageAppsRouter } from './http/routes/manage-apps.js';
import { manageKeysRouter } from './http/routes/manage-keys.js';
import { opsRouter } from './http/routes/ops.js';
import { runRouter } from './http/routes/run.js';
import type { Services } from './services.js';

export const BODY_LIMIT = '64kb';

export function createApp(svc: Services): Express {
  const app = express();
  // Nothing here serves conditional GETs or needs a framework banner.
  app.disable('x-powered-by');
  app.disable('etag');
  // A hop count, never `true`: only that many proxies' X-Forwarded-For is believed.
  app.set('trust proxy', svc.config.trustProxy);

  app.use(pinoHttp({ logger: svc.logger, quietReqLogger: true }));
  app.use(requireJsonBody);

  app.use('/run', runCors, runRouter(svc));
  app.use(
    '/manage',
    manageAuth(svc.manageKey),
    express.json({ limit: BODY_LIMIT, strict: true, type: 'application/json' }),
    manageAppsRouter(svc),
    manageKeysRouter(svc),
  );
  app.use(opsRouter(svc));

  app.use(notFound);
  app.use(errorHandler(svc.logger));
  return app;
}
