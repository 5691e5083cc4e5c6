// Contract §2: the management API serves only the exact key, and an IP that
// keeps failing is locked out (429) until its window ends — tested from the
// side of a client guessing keys, and of the admin it must not lock out.
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Response } from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APPS, auth, makeHarness, MANAGE_KEY, type Harness } from '../support/harness.js';

let h: Harness;

// superagent hands an array to node's setHeader, which sends one header line
// per value; its types only allow that for Cookie.
const repeated = (values: string[]) => values as unknown as string;

function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body.error).toMatchObject({ code, message: expect.any(String) });
}

describe('only the exact key passes', () => {
  beforeEach(async () => {
    h = await makeHarness();
  });

  it.each([
    ['the key with a suffix', `Bearer ${MANAGE_KEY}x`],
    ['the key with a prefix', `Bearer x${MANAGE_KEY}`],
    ['the key in upper case', `Bearer ${MANAGE_KEY.toUpperCase()}`],
    ['the key cut short', `Bearer ${MANAGE_KEY.slice(0, -1)}`],
    ['the key followed by a no-break space', `Bearer ${MANAGE_KEY}\u00a0`],
    ['the key preceded by a tab', `Bearer \t${MANAGE_KEY}`],
    ['the key followed by a space and more', `Bearer ${MANAGE_KEY} x`],
    ['a tab instead of the space after the scheme', `Bearer\t${MANAGE_KEY}`],
    ['no space after the scheme', `Bearer${MANAGE_KEY}`],
    ['the key in quotes', `Bearer "${MANAGE_KEY}"`],
    ['the scheme alone', 'Bearer'],
    ['the key twice', `Bearer ${MANAGE_KEY} ${MANAGE_KEY}`],
  ])('refuses %s', async (_name, header) => {
    // Regression: the token was trim()med, so a no-break space or a tab around the key passed.
    const res = await h.http.get(APPS).set('Authorization', header);
    expectError(res, 401, 'unauthorized');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
  });

  it.each([
    ['the scheme in lower case', `bearer ${MANAGE_KEY}`],
    ['the scheme in upper case', `BEARER ${MANAGE_KEY}`],
    ['several spaces after the scheme', `Bearer    ${MANAGE_KEY}`],
    ['whitespace around the header value, which is not part of it (RFC 9110 §5.5)', ` \tBearer ${MANAGE_KEY} \t`],
  ])('accepts %s', async (_name, header) => {
    await h.http.get(APPS).set('Authorization', header).expect(200);
  });

  it.each([
    ['the right key, then a wrong one', [`Bearer ${MANAGE_KEY}`, 'Bearer wrong']],
    ['a wrong key, then the right one', ['Bearer wrong', `Bearer ${MANAGE_KEY}`]],
    ['the right key twice', [`Bearer ${MANAGE_KEY}`, `Bearer ${MANAGE_KEY}`]],
  ])('refuses two Authorization headers: %s', async (_name, headers) => {
    // Regression: node kept the first header, so a right key first passed
    // whatever came after it — which a proxy in front may have acted on.
    const res = await h.http.get(APPS).set('Authorization', repeated(headers));
    expectError(res, 401, 'unauthorized');
  });

  describe('over a raw connection', () => {
    let server: Server;
    afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

    function statusLineFor(authorization: string): Promise<string> {
      server = createServer(h.app);
      return new Promise((resolve, reject) => {
        server.listen(0, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          const socket = connect(port, '127.0.0.1', () => {
            socket.end(`GET ${APPS} HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\nConnection: close\r\n\r\n`, 'latin1');
          });
          let received = '';
          socket.on('data', (chunk) => (received += chunk.toString('latin1')));
          socket.on('close', () => resolve(received.split('\r\n')[0]!));
          socket.on('error', reject);
        });
      });
    }

    it('a key with a NUL in it is never served', async () => {
      expect(await statusLineFor(`Bearer ${MANAGE_KEY}\0`)).toMatch(/^HTTP\/1\.1 4\d\d /);
      expect(await statusLineFor(`Bearer ${MANAGE_KEY.slice(0, 10)}\0${MANAGE_KEY.slice(10)}`)).toMatch(/^HTTP\/1\.1 4\d\d /);
    });
  });
});

describe('failed-authentication lockout', () => {
  beforeEach(async () => {
    // One trusted hop, so each test can speak for several client IPs.
    h = await makeHarness({ TRUST_PROXY: '1' });
  });

  const from = (ip: string) => ({ 'X-Forwarded-For': ip });
  const wrongKey = (ip: string) => h.http.get(APPS).set(from(ip)).set('Authorization', 'Bearer wrong');

  async function failTimes(ip: string, times: number) {
    for (let i = 0; i < times; i++) expectError(await wrongKey(ip), 401, 'unauthorized');
  }

  it('after 20 failures in a window, every request without a valid key gets 429 until the window ends', async () => {
    await failTimes('203.0.113.7', 20);
    h.clock.advance(15);
    for (const res of [
      await wrongKey('203.0.113.7'),
      await h.http.get(APPS).set(from('203.0.113.7')),
      await h.http.post(APPS).set(from('203.0.113.7')).set('Content-Type', 'text/plain').send('x'),
    ]) {
      expectError(res, 429, 'rate_limited');
      // The window opened with the first failure, 15 s ago.
      expect(res.headers['retry-after']).toBe('45');
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
    h.clock.advance(44.5);
    expect((await wrongKey('203.0.113.7')).headers['retry-after']).toBe('1');
    h.clock.advance(0.5);
    // A new window: refused requests while locked out did not count.
    await failTimes('203.0.113.7', 20);
    expectError(await wrongKey('203.0.113.7'), 429, 'rate_limited');
  });

  it('a valid key is still served from a locked-out IP', async () => {
    await failTimes('203.0.113.7', 20);
    expectError(await wrongKey('203.0.113.7'), 429, 'rate_limited');
    await h.http.get(APPS).set(from('203.0.113.7')).set(auth).expect(200);
  });

  it('other clients keep their own count', async () => {
    await failTimes('203.0.113.7', 20);
    expectError(await wrongKey('203.0.113.7'), 429, 'rate_limited');
    expectError(await wrongKey('198.51.100.1'), 401, 'unauthorized');
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', async () => {
    await failTimes('::ffff:203.0.113.7', 10);
    await failTimes('203.0.113.7', 10);
    expectError(await wrongKey('::ffff:203.0.113.7'), 429, 'rate_limited');
    expectError(await wrongKey('203.0.113.7'), 429, 'rate_limited');
  });

  it('counts other IPv6 clients by their /56 prefix', async () => {
    await failTimes('2001:db8:0:1::1', 10);
    await failTimes('2001:db8:0:2::5', 10);
    expectError(await wrongKey('2001:db8:0:ff::9'), 429, 'rate_limited');
    // Another /56.
    expectError(await wrongKey('2001:db8:0:100::1'), 401, 'unauthorized');
  });

  it('two Authorization headers count as a failure', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await h.http.get(APPS).set(from('203.0.113.7')).set('Authorization', repeated([`Bearer ${MANAGE_KEY}`, 'Bearer x']));
      expectError(res, 401, 'unauthorized');
    }
    expectError(await wrongKey('203.0.113.7'), 429, 'rate_limited');
  });
});
