// Contract §0: a request with a body must be application/json. Requests
// without a body (a widget's bare POST) pass whatever their Content-Type.
import type { RequestHandler } from 'express';
import { AppError } from '../../errors.js';

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

const JSON_TYPE = /^application\/json\s*(;|$)/i;

export const requireJsonBody: RequestHandler = function requireJsonBody(req, _res, next) {
  if (hasBody(req.headers) && !JSON_TYPE.test(req.headers['content-type'] ?? '')) {
    return next(new AppError('unsupported_media_type'));
  }
  next();
};
