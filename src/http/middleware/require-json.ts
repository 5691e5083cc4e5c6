// Contract §0: a request with a body must be application/json. Requests
// without a body (a widget's bare POST) pass whatever their Content-Type.
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from '../../errors.js';

const JSON_TYPE = /^application\/json\s*(;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * application/json, in UTF-8 (RFC 8259 §8.1). Other charsets are refused
 * rather than decoded: the body parser would otherwise decode UTF-7 or
 * UTF-16, so the same JSON could arrive in spellings no log or filter expects.
 */
function isJsonType(contentType: string | undefined): boolean {
  if (contentType === undefined || !JSON_TYPE.test(contentType)) return false;
  const charset = CHARSET.exec(contentType)?.[1]?.toLowerCase();
  return charset === undefined || charset === 'utf-8';
}

export function hasNonJsonBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  const hasBody = headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  return hasBody && !isJsonType(headers['content-type']);
}

export const requireJsonBody: RequestHandler = function requireJsonBody(req, _res, next) {
  next(hasNonJsonBody(req.headers) ? new AppError('unsupported_media_type') : undefined);
};
