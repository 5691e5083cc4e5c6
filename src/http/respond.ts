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
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { AppError, ERRORS, errorBody, type ErrorCode } from '../errors.js';
import { loggedUrl, type Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
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

/** Where toAppError reports what is not a client's mistake. */
export interface ErrorReporting {
  logger: Logger;
  metrics: Pick<Metrics, 'storeError'>;
}

/** The contract's error for anything thrown while serving `req`; logs (and counts) what is not a client's mistake. */
export function toAppError(error: unknown, { logger, metrics }: ErrorReporting, req: IncomingMessage & { originalUrl?: string }): AppError {
  if (error instanceof AppError) return error;
  const url = loggedUrl(req.originalUrl ?? req.url ?? '');
  const reqId = (req as { id?: unknown }).id;
  if (error instanceof StoreUnavailableError) {
    metrics.storeError();
    logger.warn({ cause: error.detail, reqId, method: req.method, url }, 'store unavailable');
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
  logger.error({ err: error, reqId, method: req.method, url }, 'unhandled error');
  return new AppError('internal_error');
}

/** The headers an error answer carries besides its body. */
export function errorHeaders(error: AppError): HeaderList {
  const own: string[] = [];
  if (error.headers) for (const name of Object.keys(error.headers)) own.push(name, error.headers[name]!);
  if (error.code === 'unauthorized') return [...own, 'WWW-Authenticate', 'Bearer realm="latchkey"'];
  // The rest of an oversized body is still on the wire: end the connection rather than drain it.
  if (error.code === 'payload_too_large') return [...own, 'Connection', 'close'];
  return own;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, ...headers: HeaderList[]): void {
  const text = JSON.stringify(body);
  // A loop, not headers.flat(): this runs for every answer, and flat() costs
  // ~1 µs where the loop costs ~0.06.
  const all: string[] = [];
  for (const list of headers) for (let i = 0; i < list.length; i++) all.push(list[i]!);
  all.push('Content-Type', JSON_TYPE, 'Content-Length', String(Buffer.byteLength(text)));
  res.writeHead(status, all);
  res.end(text);
}

export function sendError(res: ServerResponse, error: AppError, headers: HeaderList = []): void {
  sendJson(res, error.status, errorBody(error.code, error.message, error.extra), headers, errorHeaders(error));
}

/**
 * A whole HTTP/1.1 error response as bytes, for a request that failed below
 * the application (in the parser, or by a timeout), where there is no
 * ServerResponse to write it with — only the socket. It ends the connection:
 * after a parse error nothing more on it can be trusted.
 */
export function rawErrorResponse(code: ErrorCode, requestId: string): Buffer {
  const { status } = ERRORS[code];
  const text = JSON.stringify(errorBody(code));
  return Buffer.from(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `Content-Type: ${JSON_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      'Cache-Control: no-store\r\n' +
      'Connection: close\r\n\r\n' +
      text,
  );
}
