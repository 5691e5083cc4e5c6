// The one place an error becomes a response: every failure — AppError from a
// route, body-parser's errors, a bad percent-escape in the path, a library's
// TypeError — leaves as the contract's JSON shape. Never HTML, never a stack
// trace, whatever NODE_ENV says; 5xx messages are generic.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, errorBody, type ErrorCode } from '../../errors.js';
import type { Logger } from '../../logger.js';

// body-parser and the router tag their errors with `type` or `status`.
const BODY_PARSER_CODES: Record<string, ErrorCode> = {
  'entity.too.large': 'payload_too_large',
  'entity.parse.failed': 'invalid_json',
  'encoding.unsupported': 'unsupported_media_type',
  'charset.unsupported': 'unsupported_media_type',
  'request.aborted': 'bad_request',
  'request.size.invalid': 'bad_request',
  'stream.encoding.set': 'bad_request',
};

function toAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  if (typeof error !== 'object' || error === null) return null;
  const { type, status } = error as { type?: unknown; status?: unknown };
  if (typeof type === 'string' && BODY_PARSER_CODES[type]) return new AppError(BODY_PARSER_CODES[type]);
  // The router's own 4xx, e.g. a URIError from a bad %-escape in a path parameter.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status === 404 ? 'not_found' : 'bad_request');
  }
  return null;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return function renderError(error, req, res, next) {
    if (res.headersSent) return next(error);
    const known = toAppError(error);
    const appError = known ?? new AppError('internal_error');
    if (!known) logger.error({ err: error, reqId: req.id, method: req.method, url: req.originalUrl }, 'unhandled error');
    for (const [name, value] of Object.entries(appError.headers ?? {})) res.setHeader(name, value);
    if (appError.code === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer realm="latchkey"');
    // The rest of an oversized body is still on the wire: end the connection rather than drain it.
    if (appError.code === 'payload_too_large') res.setHeader('Connection', 'close');
    res.status(appError.status).json(errorBody(appError.code, appError.message, appError.extra));
  };
}

export const notFound: RequestHandler = (_req, _res, next) => next(new AppError('not_found'));
