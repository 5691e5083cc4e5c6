// Contract §0: a body over 64 KiB gets 413 payload_too_large. The run API
// uses no body, so it must not pay for one: a declared length over the limit
// is refused before the body is read, a chunked body is refused the moment it
// passes the limit, and either way the connection is closed rather than the
// rest of the body drained. Raw sockets against a real server, because what
// matters is what happens on the wire while the client is still sending.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listen } from '../../src/http/listen.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { APPS, auth, createTestApp, makeHarness, type Harness } from '../support/harness.js';
import { RawConnection, rawExchange, type RawResponse } from '../support/raw-http.js';
import { ORIGIN } from '../support/run-api.js';

const LIMIT = 64 * 1024;

let h: Harness;
let server: HttpServer;
let port: number;
let appId: string;

beforeEach(async () => {
  h = await makeHarness();
  appId = (await createTestApp(h)).id;
  server = createHttpServer(h.app);
  port = await listen(server.server, 0, '127.0.0.1');
});
afterEach(() => server.stop(0));

const sessionHead = (headers: string) =>
  `POST /run/auth/apps/${appId}/anonymous-session HTTP/1.1\r\nHost: x\r\nOrigin: ${ORIGIN}\r\nContent-Type: application/json\r\n${headers}\r\n`;

const chunk = (data: string) => `${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`;

function expectTooLarge(res: RawResponse) {
  expect(res.status).toBe(413);
  expect(res.json()).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
  expect(res.headers['connection']).toBe('close');
}

describe('the run API and a request body', () => {
  it('a declared length over 64 KiB gets 413 at once, while the client is still sending, and the connection closes', async () => {
    const connection = await RawConnection.open(port);
    await connection.write(sessionHead(`Content-Length: ${1024 ** 3}\r\n`));
    await connection.write('x'.repeat(1024));
    // Nearly all of the gigabyte is still to come: the answer cannot have waited for it.
    expectTooLarge(await connection.response());
    await connection.waitClosed();
  });

  it('a chunked body gets 413 as soon as it passes 64 KiB, before it ends, and the connection closes', async () => {
    const connection = await RawConnection.open(port);
    await connection.write(sessionHead('Transfer-Encoding: chunked\r\n'));
    for (let sent = 0; sent <= LIMIT; sent += 8 * 1024) await connection.write(chunk('x'.repeat(8 * 1024)));
    // No terminating chunk: the client would go on sending.
    expectTooLarge(await connection.response());
    await connection.waitClosed();
  });

  it('a body of exactly 64 KiB is read to its end and the request is answered as usual, on a connection that stays open', async () => {
    const connection = await RawConnection.open(port);
    const body = JSON.stringify({ pad: 'x'.repeat(LIMIT - 10) });
    expect(Buffer.byteLength(body)).toBe(LIMIT);
    await connection.write(sessionHead(`Content-Length: ${LIMIT}\r\n`) + body);
    const res = await connection.response();
    expect(res.status).toBe(200);
    expect(res.json().token).toEqual(expect.any(String));
    expect(res.headers['connection']).toBe('keep-alive');

    // The same connection carries the next request.
    await connection.write(sessionHead('Transfer-Encoding: chunked\r\n') + chunk('{}') + '0\r\n\r\n');
    expect((await connection.response()).status).toBe(200);
    connection.destroy();
  });

  it('64 KiB and one byte is refused', async () => {
    const res = await rawExchange(port, sessionHead(`Content-Length: ${LIMIT + 1}\r\n`) + 'x'.repeat(LIMIT + 1));
    expectTooLarge(res);
  });

  it('the route and the media type are checked first (§0 order: 404/405, then 415/413)', async () => {
    const huge = `Content-Length: ${1024 ** 3}\r\n`;
    const unknown = await rawExchange(port, `POST /run/auth/nothing-here HTTP/1.1\r\nHost: x\r\n${huge}\r\n`);
    expect(unknown.status).toBe(404);
    unknown.connection.destroy();
    const wrongType = await rawExchange(
      port,
      `POST /run/auth/apps/${appId}/anonymous-session HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n${huge}\r\n`,
    );
    expect(wrongType.json().error.code).toBe('unsupported_media_type');
    wrongType.connection.destroy();
  });
});

describe('a run API body that trickles in', () => {
  it('is ended by the request timeout (408), not drained for minutes', async () => {
    // Its own server, with the 30 s request timeout shortened.
    const slow = createHttpServer(h.app, { headersTimeoutMs: 400, requestTimeoutMs: 1_000, timeoutCheckIntervalMs: 50 });
    const slowPort = await listen(slow.server, 0, '127.0.0.1');
    try {
      const connection = await RawConnection.open(slowPort);
      await connection.write(sessionHead('Transfer-Encoding: chunked\r\n'));
      // A byte every 50 ms: never idle, never done.
      const trickle = setInterval(() => void connection.write(chunk(' ')).catch(() => {}), 50);
      try {
        const res = await connection.response();
        expect(res.status).toBe(408);
        expect(res.json()).toEqual({ error: { code: 'request_timeout', message: expect.any(String) } });
      } finally {
        clearInterval(trickle);
      }
      await connection.waitClosed();
    } finally {
      await slow.stop(0);
    }
  });
});

describe('the management API and a request body', () => {
  it('a declared length over 64 KiB gets 413 and the connection closes instead of draining the body', async () => {
    const connection = await RawConnection.open(port);
    await connection.write(
      `POST ${APPS} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.Authorization}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${1024 ** 3}\r\n\r\n`,
    );
    await connection.write('x'.repeat(1024));
    expectTooLarge(await connection.response());
    await connection.waitClosed();
  });
});
