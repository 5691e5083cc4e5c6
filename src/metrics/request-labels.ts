// What the request metrics (./observe-requests.ts) learn about a request the
// Express half serves: the route template that matched it (set by its route
// gates and the console's routes) and the error code of its answer (set by
// its error handler).
//
// Kept in a WeakMap beside the response rather than as a property of it:
// properties added to a ServerResponse after construction through keyed
// (symbol) stores can push V8 to a slower dictionary-mode object for every
// later access to it. Requests are tracked only while metrics are on. The run
// API does not use this: it counts its own requests (../http/run-api.ts).
import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../errors.js';
import { UNMATCHED_ROUTE } from './metrics.js';

interface Labels {
  route: string;
  errorCode: ErrorCode | undefined;
}

const tracked = new WeakMap<ServerResponse, Labels>();

/** Starts keeping labels for `res` (metrics on); without it the setters below do nothing. */
export function trackLabels(res: ServerResponse): Labels {
  const labels: Labels = { route: UNMATCHED_ROUTE, errorCode: undefined };
  tracked.set(res, labels);
  return labels;
}

/** `template` is the OpenAPI path template, e.g. `/run/auth/apps/{appId}/session`: never the path itself. */
export function labelRoute(res: ServerResponse, template: string): void {
  const labels = tracked.get(res);
  if (labels) labels.route = template;
}

export function labelErrorCode(res: ServerResponse, code: ErrorCode): void {
  const labels = tracked.get(res);
  if (labels) labels.errorCode = code;
}
