// Contract §2.2, from the attacker's side: a management request carrying a
// hostile public key is answered 400 invalid_public_key and the service keeps
// serving; and a weak key, had it been stored, would let anyone sign in as any
// user of the app — so each family is shown forgeable, then shown refused.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { b64json, claimsAt, forge, requestSession } from '../support/customer-jwt.js';
import {
  addTestKey,
  appBody,
  APPS,
  appUrl,
  auth,
  createTestApp,
  makeHarness,
  MANAGE_KEY,
  type Harness,
} from '../support/harness.js';
import {
  base64Lines,
  bigFrom,
  ecKey,
  ecPoint,
  ecSpki,
  ED25519_NON_CANONICAL,
  ED25519_SMALL_ORDER,
  ED25519_UNIVERSAL_SIGNATURE,
  ed25519Spki,
  edKey,
  emsaPkcs1Sha256,
  hostileEcKeys,
  hostileEd25519Keys,
  hostileRsaKeys,
  malformedSpkiKeys,
  modInverse,
  modPow,
  pemOf,
  rsaSpki,
  signRs256WithWeakModulus,
  toBytes,
  weakRsa,
  type HostileKey,
  type WeakRsa,
} from '../support/keys.js';

const hostileKeys = (): HostileKey[] => [
  ...(['P-256', 'P-384', 'P-521'] as const).flatMap(hostileEcKeys),
  ...hostileEd25519Keys(),
  ...hostileRsaKeys(),
  ...malformedSpkiKeys(),
];
const GOOD_KEY = { kid: 'good', algorithm: 'EdDSA', publicKey: edKey().publicPem };

let h: Harness;
let app: Awaited<ReturnType<typeof createTestApp>>;
const keysUrl = () => appUrl(app, '/auth-keys');

beforeEach(async () => {
  h = await makeHarness();
  app = await createTestApp(h);
});

describe('a hostile key is refused and the service serves the next request', () => {
  it.each(hostileKeys().map((key) => [key.name, key] as const))('%s', async (_name, key) => {
    const { algorithm, publicKey } = key;
    const res = await h.http.post(keysUrl()).set(auth).send({ kid: 'hostile', algorithm, publicKey });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_public_key');
    expect(res.body.error.message).toMatch(key.reason);
    for (const line of base64Lines(key.publicKey)) expect(res.text).not.toContain(line);

    await h.http.post(keysUrl()).set(auth).send(GOOD_KEY).expect(201);
    const stored = (await h.http.get(keysUrl()).set(auth).expect(200)).body.data;
    expect(stored.map((k: { kid: string }) => k.kid)).toEqual(['good']);
    expect((await h.http.get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
  });
});

describe('in a real server process', () => {
  // A native abort inside node:crypto would take the vitest worker down with
  // it and hide which request did it; a child process shows it as a crash.
  let server: ChildProcess;
  let base: string;
  let stderr = '';

  beforeAll(async () => {
    server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: ':memory:',
        MANAGE_API_KEY: MANAGE_KEY,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stderr!.on('data', (chunk) => (stderr += chunk));
    for await (const line of createInterface({ input: server.stdout! })) {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'latchkey listening') {
        base = `http://127.0.0.1:${entry.port}`;
        break;
      }
    }
    if (!base) throw new Error(`server did not start: ${stderr}`);
    server.stdout!.resume();
  }, 60_000);

  afterAll(async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
  });

  const call = async (method: string, path: string, body?: unknown, label = `${method} ${path}`) => {
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { Authorization: `Bearer ${MANAGE_KEY}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { error?: { code: string }; data?: unknown } };
    } catch (error) {
      const died = `exit code ${server.exitCode}, signal ${server.signalCode}`;
      throw new Error(`${label}: no answer, the server died (${died}) ${stderr.slice(0, 300)}`, { cause: error });
    }
  };

  it('answers every hostile key with 400 invalid_public_key, then takes a good key and answers /healthz', async () => {
    const created = await call('POST', APPS, appBody());
    expect(created.status).toBe(201);
    const url = appUrl(created.body.data as { id: string; tenantId: string; projectId: string }, '/auth-keys');
    for (const key of hostileKeys()) {
      const body = { kid: 'hostile', algorithm: key.algorithm, publicKey: key.publicKey };
      const res = await call('POST', url, body, key.name);
      expect([key.name, res.status, res.body.error?.code]).toEqual([key.name, 400, 'invalid_public_key']);
    }
    expect((await call('POST', url, GOOD_KEY)).status).toBe(201);
    expect(await call('GET', '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect([server.exitCode, server.signalCode]).toEqual([null, null]);
  }, 60_000);
});

describe('a weak key cannot be used to sign in as anyone', () => {
  /** A token for `sub` signed by whoever holds `signature(input)`. */
  function tokenFor(alg: string, kid: string, sign: (input: string) => Uint8Array) {
    const header = { alg, kid, typ: 'JWT' };
    const payload = claimsAt(h.clock.seconds, { sub: 'victim-user' });
    const input = `${b64json(header)}.${b64json(payload)}`;
    return { input, token: forge({ header, payload, signature: sign(input) }) };
  }

  /** Upload refused, nothing stored, and the token falls back to an anonymous session. */
  async function expectRefusedAndUseless(kid: string, algorithm: string, publicKey: string, token: string) {
    const upload = await h.http.post(keysUrl()).set(auth).send({ kid, algorithm, publicKey });
    expect(upload.status).toBe(400);
    expect(upload.body.error.code).toBe('invalid_public_key');
    expect((await h.http.get(keysUrl()).set(auth)).body.data).toEqual([]);
    const session = await requestSession(h, app.id, { token });
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ authMethod: 'anonymous', fallbackReason: 'kid_unknown' });
    expect(session.body.userId).not.toBe('victim-user');
  }

  it('control: the same token construction with an accepted key does sign in', async () => {
    const key = ecKey('P-256');
    await addTestKey(h, app, { kid: 'real', algorithm: 'ES256', publicKey: key.publicPem });
    const header = { alg: 'ES256', kid: 'real', typ: 'JWT' };
    const token = forge({ header, payload: claimsAt(h.clock.seconds, { sub: 'victim-user' }), key: key.privateKey });
    const session = await requestSession(h, app.id, { token });
    expect(session.body).toMatchObject({ authMethod: 'authenticated', userId: 'victim-user' });
  });

  it.each([
    ['prime', weakRsa.prime()],
    ['even', weakRsa.even()],
    ['divisible by 3', weakRsa.smallFactor(3n)],
    ['divisible by 9973', weakRsa.smallFactor(9973n)],
    ['a perfect square', weakRsa.square()],
  ] as [string, WeakRsa][])('RSA with a modulus that is %s: anyone computes d', async (_name, weak) => {
    const spki = rsaSpki(weak.n);
    const { input, token } = tokenFor('RS256', 'weak-rsa', (data) => signRs256WithWeakModulus(weak, data));
    // The forged signature is valid RS256 under the weak key (RFC 8017 RSAVP1: s^e mod n is the encoded hash)…
    const signature = Buffer.from(token.split('.')[2]!, 'base64url');
    expect(modPow(bigFrom(signature), 65537n, weak.n)).toBe(emsaPkcs1Sha256(input, weak.n));
    // …and OpenSSL agrees (safe to ask: the key is a well-formed RSA key, merely
    // factorable), except for an even modulus, which its Montgomery arithmetic cannot take.
    const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(verify('sha256', Buffer.from(input), publicKey, signature)).toBe(weak.n % 2n === 1n);
    await expectRefusedAndUseless('weak-rsa', 'RS256', pemOf(spki), token);
  });

  it.each([
    ['the identity', ED25519_SMALL_ORDER['identity (order 1)']!],
    ['the identity encoded as y = p + 1', ED25519_NON_CANONICAL['identity as y = p + 1']!],
    ['the identity with the x sign bit set', ED25519_NON_CANONICAL['identity with the x sign bit set']!],
  ])('Ed25519 key %s: (R = identity, S = 0) verifies for every message', async (_name, encoding) => {
    const spki = ed25519Spki(encoding);
    const { input, token } = tokenFor('EdDSA', 'weak-ed', () => ED25519_UNIVERSAL_SIGNATURE);
    const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(verify(null, Buffer.from(input), publicKey, ED25519_UNIVERSAL_SIGNATURE)).toBe(true);
    expect(verify(null, Buffer.from('any other message'), publicKey, ED25519_UNIVERSAL_SIGNATURE)).toBe(true);
    await expectRefusedAndUseless('weak-ed', 'EdDSA', pemOf(spki), token);
  });

  it('P-256 point at infinity: r = x(kG), s = e/k satisfies ECDSA for any message, without any secret', async () => {
    // With Q = infinity, verification computes u1·G + u2·Q = (e/s)·G = k·G, whose x is r.
    // (node:crypto cannot confirm it: verify() with this key segfaults on Node 20.)
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const nonce = ecKey('P-256').privateKey.export({ format: 'jwk' });
    const k = bigFrom(Buffer.from(nonce.d!, 'base64url'));
    const r = bigFrom(Buffer.from(nonce.x!, 'base64url')) % n;
    const { token } = tokenFor('ES256', 'weak-ec', (input) => {
      const e = bigFrom(createHash('sha256').update(input).digest()) % n;
      return Buffer.concat([toBytes(r, 32), toBytes((e * modInverse(k, n)) % n, 32)]);
    });
    await expectRefusedAndUseless('weak-ec', 'ES256', pemOf(ecSpki('P-256', Buffer.from([0]))), token);
  });

  it('P-256 point off the curve: refused, so a token naming it finds no key', async () => {
    // An off-curve point has no owner whose signatures it checks; the token is
    // signed with the key whose point was altered, the nearest an attacker has.
    const point = ecPoint('P-256');
    point[point.length - 1]! ^= 1;
    const token = forge({
      header: { alg: 'ES256', kid: 'weak-ec', typ: 'JWT' },
      payload: claimsAt(h.clock.seconds, { sub: 'victim-user' }),
      key: ecKey('P-256').privateKey,
    });
    await expectRefusedAndUseless('weak-ec', 'ES256', pemOf(ecSpki('P-256', point)), token);
  });
});
