// Counts and times every request the Express half answers (§3.6): by route
// template, method and status, and by error code when it was refused. The run
// API counts its own (../http/run-api.ts), without a 'finish' listener.
// A request whose connection closed before its answer was sent is not counted.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';
import { trackLabels } from './request-labels.js';

export function observeRequests(metrics: Metrics): (req: IncomingMessage, res: ServerResponse) => void {
  return function observe(req, res) {
    const started = performance.now();
    const labels = trackLabels(res);
    res.once('finish', () => {
      metrics.request(labels.route, req.method!, res.statusCode, (performance.now() - started) / 1000, labels.errorCode);
    });
  };
}
