// Structured logs with pino. What a log line may hold about a request is an
// allowlist: the headers below and nothing else, so Authorization,
// Proxy-Authorization, Cookie, X-Api-Key, proof-of-work solutions and any
// header nobody thought of never reach a log line — no redaction list to keep
// up to date. The generated management key is printed on stdout, never logged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

const LOGGED_HEADERS = ['user-agent', 'content-type', 'content-length', 'origin', 'x-request-id'] as const;

// The query parameters the contract defines (pagination, audit filters, the
// PoW challenge's appId): none is a credential. Any other parameter keeps its
// name but not its value, in case a client put a key where it does not belong.
const LOGGED_QUERY_PARAMETERS = new Set(['page', 'limit', 'cursor', 'appId', 'action', 'tenantId']);

/** The request URL as logged: the path, and the query with only known parameters' values. */
export function loggedUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = new URLSearchParams(url.slice(q + 1));
  for (const [name] of query) if (!LOGGED_QUERY_PARAMETERS.has(name)) query.set(name, '[redacted]');
  return `${url.slice(0, q)}?${query}`;
}

type LoggedRequest = IncomingMessage & { id?: unknown; originalUrl?: string; ip?: string };

function serializeRequest(req: LoggedRequest) {
  const headers: Record<string, string | string[]> = {};
  for (const name of LOGGED_HEADERS) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  return {
    id: req.id,
    method: req.method,
    url: loggedUrl(req.originalUrl ?? req.url ?? ''),
    // Express's req.ip follows TRUST_PROXY; a bare node request has only its peer.
    remoteAddress: req.ip ?? req.socket?.remoteAddress,
    headers,
  };
}

const serializeResponse = (res: ServerResponse) => ({ statusCode: res.statusCode });

/** For every logger that may meet a request or response: this one and pino-http's. */
export const logSerializers = { req: serializeRequest, res: serializeResponse };

export function createLogger(level: Config['logLevel'], destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'latchkey' }, serializers: logSerializers }, destination);
}
