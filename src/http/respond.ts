// Response helpers for the run API's plain node:http handlers: the same JSON
// error shape the Express error middleware renders, without Express's
// per-response work (the run API is called on every widget page load).
//
// Headers travel as flat [name, value, …] lists and are written by one
// writeHead call: node:http's setHeader validates and indexes each header
// as it is set, which the benchmark's profile showed on this path.
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { AppError, ERRORS, errorBody, type ErrorCode } from '../errors.js';

export type HeaderList = readonly string[];

const JSON_TYPE = 'application/json; charset=utf-8';

export function sendJson(res: ServerResponse, status: number, body: unknown, ...headers: HeaderList[]): void {
  const text = JSON.stringify(body);
  res.writeHead(status, [...headers.flat(), 'Content-Type', JSON_TYPE, 'Content-Length', String(Buffer.byteLength(text))]);
  res.end(text);
}

export function sendError(res: ServerResponse, error: AppError, headers: HeaderList = []): void {
  const own = error.headers ? Object.entries(error.headers).flat() : [];
  sendJson(res, error.status, errorBody(error.code, error.message, error.extra), headers, own);
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
