// createApp wires the service's HTTP surface; it never listens. The run API
// (§3, the hot path) is served by plain node:http handlers; everything else —
// management, JWKS, operations, 404s — by Express with its middleware.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { defaultConsoleDir } from './http/admin-console-files.js';
import { clientIpResolver } from './http/client-ip.js';
import { requireStorableText, verifyUtf8 } from './http/middleware/body-text.js';
import { BODY_LIMIT_BYTES, refuseLargeDeclaredBody } from './http/body-limit.js';
import { errorHandler, notFound } from './http/middleware/error-handler.js';
import { manageAuth } from './http/middleware/manage-auth.js';
import { JSON_MEDIA_TYPES, requireJsonBody } from './http/middleware/require-json.js';
import { routeGate } from './http/middleware/route-gate.js';
import { adminConsoleRouter } from './http/routes/admin-console.js';
import { manageApiKeysRouter } from './http/routes/manage-api-keys.js';
import { manageAppsRouter } from './http/routes/manage-apps.js';
import { manageAuditRouter } from './http/routes/manage-audit.js';
import { manageKeysRouter } from './http/routes/manage-keys.js';
import { manageMeRouter } from './http/routes/manage-me.js';
import { manageRevocationsRouter } from './http/routes/manage-revocations.js';
import { manageSigningKeysRouter } from './http/routes/manage-signing-keys.js';
import { METRICS_PATH, metricsRouter, requireMetricsToken } from './http/routes/metrics.js';
import { opsRouter } from './http/routes/ops.js';
import { assignRequestId } from './http/request-id.js';
import { createRunHandler } from './http/run-api.js';
import { logSerializers } from './logger.js';
import { observeRequests } from './metrics/observe-requests.js';
import { failedAuthLimiter } from './manage/failed-auth-limiter.js';
import type { Services } from './services.js';

export interface AppOptions {
  /** Where the built admin console is (admin/build.ts); by default beside the compiled service. */
  adminConsoleDir?: string;
}

export function createExpressApp(svc: Services, options: AppOptions = {}): Express {
  const app = express();
  // Nothing here serves conditional GETs or needs a framework banner.
  app.disable('x-powered-by');
  app.disable('etag');
  // A hop count, never `true`: only that many proxies' X-Forwarded-For is believed.
  app.set('trust proxy', svc.config.trustProxy);

  // Our serializers replace pino-http's, which would log every request header.
  // Every log line of a request carries its id as `reqId` (§0).
  app.use(
    pinoHttp({ logger: svc.logger, quietReqLogger: true, wrapSerializers: false, serializers: logSerializers, genReqId: assignRequestId }),
  );

  const manageRouters = [
    manageAppsRouter(svc),
    manageKeysRouter(svc),
    manageRevocationsRouter(svc),
    manageApiKeysRouter(svc),
    manageAuditRouter(svc),
    manageMeRouter(svc),
    manageSigningKeysRouter(svc),
  ];
  // Contract §0's order of answers, one middleware each: unknown route or
  // method (404/405), failed-authentication lockout (429), key (401), media
  // type (415) and size (413), body text (400); the routers then validate the
  // rest (400) and look the resource up (404). A router added under /manage
  // must be in manageRouters, or the gate answers 404 for it.
  app.use(
    '/manage',
    routeGate(manageRouters),
    manageAuth({
      key: svc.manageKey,
      store: svc.store,
      clock: svc.clock,
      logger: svc.logger,
      limiter: failedAuthLimiter(svc.failedAuthLimiter),
      clientIp: clientIpResolver(svc.config.trustProxy),
    }),
    requireJsonBody,
    refuseLargeDeclaredBody,
    express.json({ limit: BODY_LIMIT_BYTES, strict: true, type: JSON_MEDIA_TYPES, verify: verifyUtf8 }),
    requireStorableText,
    ...manageRouters,
  );
  // §7, static files with headers of their own; off with ADMIN_CONSOLE=false (then 404 below).
  if (svc.config.adminConsole) {
    app.use('/admin', adminConsoleRouter(options.adminConsoleDir ?? defaultConsoleDir(), svc.logger));
  }
  // The same order for the rest: 404/405 before 415.
  const ops = [opsRouter(svc), ...(svc.config.metricsEnabled ? [metricsRouter(svc)] : [])];
  app.use(routeGate(ops));
  // 401 before 415, as under /manage.
  if (svc.config.metricsEnabled && svc.config.metricsToken) app.use(METRICS_PATH, requireMetricsToken(svc.config.metricsToken));
  app.use(requireJsonBody, ...ops);

  app.use(notFound);
  app.use(errorHandler(svc));
  return app;
}

export function createApp(svc: Services, options: AppOptions = {}): RequestListener {
  const runApi = createRunHandler(svc);
  const rest = createExpressApp(svc, options);
  const observe = svc.config.metricsEnabled ? observeRequests(svc.metrics) : undefined;
  return function latchkey(req: IncomingMessage, res: ServerResponse) {
    // The run API counts its own requests (./http/run-api.ts).
    if (req.url!.startsWith('/run/')) runApi(req, res);
    else {
      observe?.(req, res);
      rest(req, res);
    }
  };
}
