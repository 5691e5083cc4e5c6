// Response helpers for the run API's plain node:http handlers: the same JSON
// error shape the Express error middleware renders, without Express's
// per-response work (the run API is called on every widget page load).
//
// Headers travel as flat [name, value, …] lists and are written by one
// writeHead call: node:http's setHeader validates and indexes each header
// as it is set, which the benchmark's profile showed on this path.
import type { ServerResponse } from 'node:http';
import { AppError, errorBody } from '../errors.js';

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
