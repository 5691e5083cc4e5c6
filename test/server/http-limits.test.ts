// Contract §0: requests that fail below the application — malformed, with a
// request line and headers over 16 KiB, or too slow — get the contract's JSON
// error with a fresh X-Request-Id, and the connection is closed. Driven with
// raw sockets against a real server on 127.0.0.1, with the timeouts
// shortened so the tests do not wait 10 and 30 seconds.
import { afterEach, describe, expect, it } from 'vitest';
import { listen } from '../../src/http/listen.js';
import { createHttpServer, HTTP_LIMITS, type HttpServer, type HttpServerOptions } from '../../src/http/server.js';
import { auth, makeHarness, type Harness } from '../support/harness.js';
import { RawConnection, rawExchange, UUID, type RawResponse } from '../support/raw-http.js';

const running: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop(0)));
});

const SHORT = { headersTimeoutMs: 400, requestTimeoutMs: 1_000, timeoutCheckIntervalMs: 50 };

async function serve(options: HttpServerOptions = {}): Promise<{ h: Harness; port: number }> {
  const h = await makeHarness();
  const server = createHttpServer(h.app, { ...SHORT, ...options });
  running.push(server);
  return { h, port: await listen(server.server, 0, '127.0.0.1') };
}

function expectJsonError(res: RawResponse, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.json()).toEqual({ error: { code, message: expect.any(String) } });
}

const get = (path: string, headers = '') => `GET ${path} HTTP/1.1\r\nHost: latchkey.test\r\n${headers}\r\n`;

describe('a malformed request', () => {
  it('gets 400 bad_request in JSON with a new request id, and the connection closes', async () => {
    const { port } = await serve();
    const res = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: mine\r\nno colon here\r\n\r\n');
    expectJsonError(res, 400, 'bad_request');
    expect(res.headers['connection']).toBe('close');
    // Its own id was in headers the parser refused: never trusted, a new one instead.
    expect(res.headers['x-request-id']).toMatch(UUID);
    await res.connection.waitClosed();
  });

  it('gets 400 bad_request for a request line that is not HTTP', async () => {
    const { port } = await serve();
    expectJsonError(await rawExchange(port, 'HELLO THERE\r\n\r\n'), 400, 'bad_request');
  });

  it('gets 400 bad_request for an invalid Content-Length', async () => {
    const { port } = await serve();
    const res = await rawExchange(port, 'POST /manage/x HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n');
    expectJsonError(res, 400, 'bad_request');
  });

  it('gets 400 bad_request for an HTTP/1.1 request without Host (RFC 9112 §3.2)', async () => {
    const { port } = await serve();
    const res = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nX-Request-Id: mine\r\n\r\n');
    expectJsonError(res, 400, 'bad_request');
    expect(res.headers['x-request-id']).toMatch(UUID);
    await res.connection.waitClosed();
  });

  it('a different id for each request refused below the application', async () => {
    const { port } = await serve();
    const ids = new Set<string | undefined>();
    for (let i = 0; i < 3; i += 1) ids.add((await rawExchange(port, 'HELLO\r\n\r\n')).headers['x-request-id']);
    expect(ids.size).toBe(3);
  });
});

describe('a request line and headers over 16 KiB together', () => {
  it('get 431 headers_too_large when the headers are too long', async () => {
    const { port } = await serve();
    const res = await rawExchange(port, get('/healthz', `X-Padding: ${'a'.repeat(17 * 1024)}\r\n`));
    expectJsonError(res, 431, 'headers_too_large');
    expect(res.headers['x-request-id']).toMatch(UUID);
    await res.connection.waitClosed();
  });

  it('get 431 headers_too_large when the request line is too long', async () => {
    const { port } = await serve();
    expectJsonError(await rawExchange(port, get(`/healthz?${'q'.repeat(17 * 1024)}`)), 431, 'headers_too_large');
  });

  it('get 431 headers_too_large for many small headers', async () => {
    const { port } = await serve();
    const many = Array.from({ length: 800 }, (_, i) => `X-H${i}: ${'v'.repeat(20)}\r\n`).join('');
    expectJsonError(await rawExchange(port, get('/healthz', many)), 431, 'headers_too_large');
  });

  it('a request just under the limit is served', async () => {
    const { port } = await serve();
    const res = await rawExchange(port, get('/healthz', `X-Padding: ${'a'.repeat(15 * 1024)}\r\n`));
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });
});

describe('a request too slow to arrive', () => {
  it('gets 408 request_timeout when its headers have not all arrived in time', async () => {
    const { port } = await serve();
    const connection = await RawConnection.open(port);
    await connection.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const res = await connection.response();
    expectJsonError(res, 408, 'request_timeout');
    expect(res.headers['x-request-id']).toMatch(UUID);
    await connection.waitClosed();
  });

  it('gets 408 request_timeout when headers trickle in, each within the socket idle time', async () => {
    const { port } = await serve();
    const connection = await RawConnection.open(port);
    await connection.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => void connection.write('X-Slow: 1\r\n').catch(() => {}), 50);
    try {
      expectJsonError(await connection.response(), 408, 'request_timeout');
    } finally {
      clearInterval(trickle);
    }
  });

  it('gets 408 request_timeout when its body has not all arrived in time', async () => {
    const { port } = await serve();
    const connection = await RawConnection.open(port);
    await connection.write(
      'POST /manage/tenants/t1/projects/p1/apps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Authorization: ${auth.Authorization}\r\nContent-Length: 100\r\n\r\n{"na`,
    );
    expectJsonError(await connection.response(), 408, 'request_timeout');
    await connection.waitClosed();
  });
});

describe('keep-alive connections', () => {
  it('an idle one is closed after the keep-alive timeout', async () => {
    const { port } = await serve({ keepAliveTimeoutMs: 200 });
    const connection = await RawConnection.open(port);
    await connection.write(get('/healthz'));
    const res = await connection.response();
    expect(res.headers['connection']).toBe('keep-alive');
    await connection.waitClosed(3_000);
  });

  it('one connection carries at most maxRequestsPerSocket requests: the last answer says Connection: close', async () => {
    const { port } = await serve({ maxRequestsPerSocket: 3 });
    const connection = await RawConnection.open(port);
    for (let i = 1; i <= 3; i += 1) {
      await connection.write(get('/healthz'));
      const res = await connection.response();
      expect(res.status).toBe(200);
      expect(res.headers['connection']).toBe(i < 3 ? 'keep-alive' : 'close');
    }
    connection.destroy();
  });
});

describe('the limits of the production server', () => {
  it('are the contract’s numbers', () => {
    const { server } = createHttpServer(() => {});
    expect(server.headersTimeout).toBe(10_000);
    expect(server.requestTimeout).toBe(30_000);
    expect(server.keepAliveTimeout).toBe(HTTP_LIMITS.keepAliveTimeoutMs);
    expect(server.maxRequestsPerSocket).toBe(HTTP_LIMITS.maxRequestsPerSocket);
    expect(HTTP_LIMITS.shutdownGraceMs).toBeLessThanOrEqual(5_000);
  });
});
