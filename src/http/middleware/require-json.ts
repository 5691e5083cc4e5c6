// Contract §0: a request with a body must be application/json. Requests
// without a body (a widget's bare POST) pass whatever their Content-Type.
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from '../../errors.js';

const JSON_TYPE = /^application\/json\s*(;|$)/i;

export function hasNonJsonBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  const hasBody = headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  return hasBody && !JSON_TYPE.test(headers['content-type'] ?? '');
}

export const requireJsonBody: RequestHandler = function requireJsonBody(req, _res, next) {
  next(hasNonJsonBody(req.headers) ? new AppError('unsupported_media_type') : undefined);
};
