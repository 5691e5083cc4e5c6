// Registers a path's handlers and answers every other method with 405 and an
// Allow header (contract §0), so a known path never falls through to 404.
import type { RequestHandler, Router } from 'express';
import { AppError } from '../../errors.js';

type Method = 'get' | 'post' | 'patch' | 'delete';

export interface KnownRoute {
  readonly path: string;
  /** Upper-case methods, HEAD included wherever GET is. */
  readonly allowed: readonly string[];
}

// What each router serves, so a gate in front of it (route-gate.ts) can answer
// 404/405 before authentication or body parsing run.
const registered = new WeakMap<Router, KnownRoute[]>();

/** The routes registered on `router` through route(), in registration order. */
export function knownRoutes(router: Router): readonly KnownRoute[] {
  return registered.get(router) ?? [];
}

export function route(router: Router, path: string, handlers: Partial<Record<Method, RequestHandler | RequestHandler[]>>): void {
  const chain = router.route(path);
  const allowed = Object.keys(handlers).map((m) => m.toUpperCase());
  if (allowed.includes('GET')) allowed.push('HEAD');
  for (const [method, handler] of Object.entries(handlers) as [Method, RequestHandler | RequestHandler[]][]) {
    chain[method](...[handler].flat());
  }
  const allow = allowed.join(', ');
  chain.all(function methodNotAllowed(_req, res, next) {
    res.setHeader('Allow', allow);
    next(new AppError('method_not_allowed'));
  });
  registered.set(router, [...knownRoutes(router), { path, allowed }]);
}
