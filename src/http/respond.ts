// The one error/response module shared by the two halves of the HTTP surface:
// the Express management API and the run API's plain node:http handlers.
// Every failure — an AppError from a route, body-parser's errors, a bad
// percent-escape in a path, a store that cannot serve, a library's TypeError —
// leaves as the contract's JSON shape. Never HTML, never a stack trace,
// whatever NODE_ENV says; 5xx messages are generic.
//
// Headers travel as flat [name, value, …] lists and are written by one
// writeHead call: node:http's setHeader validates and indexes each header as
// it is set, which the benchmark's profile showed on the run API's path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, errorBody, type ErrorCode } from '../errors.js';
import { loggedUrl, type Logger } from '../logger.js';
import { StoreUnavailableError } from '../store/store-errors.js';

export type HeaderList = readonly string[];

const JSON_TYPE = 'application/json; charset=utf-8';

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

/** The contract's error for anything thrown while serving `req`; logs what is not a client's mistake. */
export function toAppError(error: unknown, logger: Logger, req: IncomingMessage & { originalUrl?: string }): AppError {
  if (error instanceof AppError) return error;
  const url = loggedUrl(req.originalUrl ?? req.url ?? '');
  if (error instanceof StoreUnavailableError) {
    logger.warn({ cause: error.detail, method: req.method, url }, 'store unavailable');
    return new AppError('service_unavailable', undefined, undefined, { 'Retry-After': String(error.retryAfterSeconds) });
  }
  if (typeof error === 'object' && error !== null) {
    const { type, status } = error as { type?: unknown; status?: unknown };
    if (typeof type === 'string' && BODY_PARSER_CODES[type]) return new AppError(BODY_PARSER_CODES[type]);
    // The router's own 4xx, e.g. a URIError from a bad %-escape in a path parameter.
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return new AppError(status === 404 ? 'not_found' : 'bad_request');
    }
  }
  logger.error({ err: error, method: req.method, url }, 'unhandled error');
  return new AppError('internal_error');
}

/** The headers an error answer carries besides its body. */
export function errorHeaders(error: AppError): HeaderList {
  const own = error.headers ? Object.entries(error.headers).flat() : [];
  return error.code === 'unauthorized' ? [...own, 'WWW-Authenticate', 'Bearer realm="latchkey"'] : own;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, ...headers: HeaderList[]): void {
  const text = JSON.stringify(body);
  res.writeHead(status, [...headers.flat(), 'Content-Type', JSON_TYPE, 'Content-Length', String(Buffer.byteLength(text))]);
  res.end(text);
}

export function sendError(res: ServerResponse, error: AppError, headers: HeaderList = []): void {
  sendJson(res, error.status, errorBody(error.code, error.message, error.extra), headers, errorHeaders(error));
}
