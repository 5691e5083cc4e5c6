// A real latchkey listening on 127.0.0.1, for the client packages' tests: the
// browser SDK in Chromium and the Node verifier talk to it over HTTP, as they
// would in production. In-memory SQLite; the clock is real time plus an offset
// the test can move, so a rate-limit window or a token's life can be made to
// end while the browser really waits.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.js';
import type { Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/store/open-store.js';
import { createServices, type Services } from '../../src/services.js';
import type { Logger } from '../../src/logger.js';
import { appBody, MANAGE_KEY } from './harness.js';

export class ShiftedClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

export interface ServedRequest {
  /** `METHOD /path`, without the query. */
  route: string;
  status: number;
  /** Date.now() when the request arrived. */
  at: number;
}

export interface LiveService {
  url: string;
  svc: Services;
  clock: ShiftedClock;
  /** Requests the service has answered, oldest first. */
  requests: ServedRequest[];
  /** How many answered requests match `METHOD /path` (path without query), optionally with a status. */
  count(route: string, status?: number): number;
  manage<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  createApp(overrides?: Record<string, unknown>): Promise<{ id: string; tenantId: string; projectId: string }>;
  close(): Promise<void>;
}

export interface LiveServiceOptions {
  /** The built admin console to serve at /admin (test/support/admin-console-setup.ts). */
  adminConsoleDir?: string;
  /** Where the service logs; silent by default. */
  logger?: Logger;
}

export async function startLatchkey(env: Record<string, string> = {}, host = '127.0.0.1', options: LiveServiceOptions = {}): Promise<LiveService> {
  const config = loadConfig({
    NODE_ENV: 'test',
    MANAGE_API_KEY: MANAGE_KEY,
    RATE_LIMIT_PER_MINUTE: '0',
    DATABASE_URL: ':memory:',
    ...env,
  });
  const clock = new ShiftedClock();
  const svc = await createServices({ config, store: await openStore(config.databaseUrl), clock, logger: options.logger });
  const handler = createApp(svc, { adminConsoleDir: options.adminConsoleDir });
  const requests: ServedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const at = Date.now();
    res.once('finish', () => requests.push({ route: `${req.method} ${req.url!.split('?')[0]}`, status: res.statusCode, at }));
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;

  async function manage<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${MANAGE_KEY}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  return {
    url,
    svc,
    clock,
    requests,
    count: (route, status) => requests.filter((r) => r.route === route && (status === undefined || r.status === status)).length,
    manage,
    async createApp(overrides = {}) {
      const { data } = await manage<{ data: { id: string; tenantId: string; projectId: string } }>(
        'POST',
        '/manage/tenants/t1/projects/p1/apps',
        appBody(overrides),
      );
      return data;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await svc.store.close();
    },
  };
}
