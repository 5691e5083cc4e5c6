// §7: the admin console at /admin — static files built with the service.
// Every answer under /admin, its 404s and 405s included, carries the §7
// headers: the CSP forbids inline script and style and every other origin,
// so an injected string cannot run and the page cannot leak the key it holds.
import { Router, type RequestHandler } from 'express';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { labelRoute } from '../../metrics/request-labels.js';
import { readConsoleFiles, type ConsoleFiles } from '../admin-console-files.js';
import { route } from './route.js';

export const ADMIN_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', ADMIN_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
};

export function adminConsoleRouter(dir: string, logger: Logger): Router {
  // Read on first use, once: most processes (tests, CLI) never serve it.
  let files: ConsoleFiles | null | undefined;
  const load = (): ConsoleFiles => {
    if (files === undefined) {
      files = readConsoleFiles(dir);
      if (!files) logger.warn({ dir }, 'admin console not built: run `npm run build` (or set ADMIN_CONSOLE=false)');
    }
    if (!files) throw new AppError('not_found', 'The admin console was not built (npm run build).');
    return files;
  };

  const router = Router({ strict: false });
  router.use(securityHeaders);
  route(router, '/', {
    get(_req, res) {
      labelRoute(res, '/admin');
      const { index } = load();
      // The page names the current assets: never cached, so a release shows at once.
      res.setHeader('Cache-Control', 'no-store');
      res.type('text/html; charset=utf-8').send(index);
    },
  });
  route(router, '/assets/:name', {
    get(req, res) {
      labelRoute(res, '/admin/assets/{name}');
      const asset = load().assets.get(String(req.params.name));
      if (!asset) throw new AppError('not_found');
      // Named by content: a changed file has a new name, so this one never changes.
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      res.type(asset.contentType).send(asset.body);
    },
  });
  router.use((_req, _res, next) => next(new AppError('not_found')));
  return router;
}
