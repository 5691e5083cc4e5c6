// What the request metrics (./observe-requests.ts) learn about a request as
// it is served: the route template that matched it (set by the run API's
// router and by the route gates of the Express half) and the error code of
// its answer (set by the shared error module). Kept on the response, where
// the metrics find them once it has been sent.
import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../errors.js';
import { UNMATCHED_ROUTE } from './metrics.js';

const ROUTE = Symbol('latchkey.route');
const ERROR_CODE = Symbol('latchkey.errorCode');

type Labelled = ServerResponse & { [ROUTE]?: string; [ERROR_CODE]?: ErrorCode };

/** `template` is the OpenAPI path template, e.g. `/run/auth/apps/{appId}/session`: never the path itself. */
export function labelRoute(res: ServerResponse, template: string): void {
  (res as Labelled)[ROUTE] = template;
}

export function routeOf(res: ServerResponse): string {
  return (res as Labelled)[ROUTE] ?? UNMATCHED_ROUTE;
}

export function labelErrorCode(res: ServerResponse, code: ErrorCode): void {
  (res as Labelled)[ERROR_CODE] = code;
}

export function errorCodeOf(res: ServerResponse): ErrorCode | undefined {
  return (res as Labelled)[ERROR_CODE];
}
