// Contract §0 puts "unknown route (404) or method (405)" before every other
// answer: before the lockout, the key check, the media type and the body. The
// routers themselves only see a request after all of those ran, so a gate
// built from the same route table answers 404/405 first — with Express's own
// path matching (a second Router), so the gate and the routers never disagree.
import { Router, type RequestHandler } from 'express';
import { AppError } from '../../errors.js';
import { labelRoute } from '../../metrics/request-labels.js';
import { knownRoutes } from '../routes/route.js';
import { notFound } from './error-handler.js';

/**
 * Passes a request on only when one of `routers` serves its path and method.
 * Mount it at the same path as the routers; anything else under that mount is
 * 404 `not_found`, a known path with another method 405 with `Allow`.
 */
export function routeGate(routers: readonly Router[]): RequestHandler {
  const gate = Router();
  for (const router of routers) {
    for (const { path, allowed } of knownRoutes(router)) {
      const allow = allowed.join(', ');
      // The metrics' route label, in the OpenAPI document's spelling.
      const template = path.replace(/:(\w+)/g, '{$1}');
      gate.route(path).all(function knownRoute(req, res, next) {
        labelRoute(res, req.baseUrl + template);
        // 'router' leaves the gate and goes on to what is mounted after it.
        if (allowed.includes(req.method)) return next('router');
        res.setHeader('Allow', allow);
        next(new AppError('method_not_allowed'));
      });
    }
  }
  gate.use(notFound);
  return gate;
}
