// Response helpers for the run API's plain node:http handlers: the same JSON
// error shape the Express error middleware renders, without Express's
// per-response work (the run API is called on every widget page load).
import type { ServerResponse } from 'node:http';
import { AppError, errorBody } from '../errors.js';

export type Headers = Record<string, string>;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Headers): void {
  const text = JSON.stringify(body);
  if (headers) for (const name in headers) res.setHeader(name, headers[name]!);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, error: AppError): void {
  sendJson(res, error.status, errorBody(error.code, error.message, error.extra), error.headers as Headers | undefined);
}
