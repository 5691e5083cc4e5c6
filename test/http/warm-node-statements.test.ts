// Contract §5: "the hot path of a warm node reads no row per request; writes
// per request are those a rule needs (a spent challenge, a single-use jti, a
// rate-limit count)". Counted, not inferred: every statement either driver
// runs in this process is recorded (better-sqlite3's Statement methods,
// node-postgres's Client#query on the node's pool), and after one warm-up
// request of each kind, N more of each must run exactly the statements below.
//
// SQLite has one more, by design: `PRAGMA data_version` once per run-API and
// JWKS request (at most once per event-loop turn, so once per request when
// they come one at a time, as here). It reads no row — it asks whether another process committed
// since the last look, the only way one process sees another's writes on a
// shared file — and it is counted separately from row reads. On PostgreSQL
// other nodes' writes are pushed (LISTEN/NOTIFY), so it has no counterpart;
// the change feed's timer-driven safety-net check runs on its own connection
// and is not a per-request statement.
import { generateKeyPairSync } from 'node:crypto';
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTestKey, createTestApp, makeHarness, POW_SECRET, TEST_STORE, type Harness } from '../support/harness.js';
import { anonymousToken, fetchSolution, ORIGIN, requestAnonymousSession } from '../support/run-api.js';

const N = 20;

type Kind = 'change check' | 'row read' | 'write';
interface Statement {
  kind: Kind;
  text: string;
}

function kindOf(text: string): Kind {
  const sql = text.trim().toUpperCase();
  if (sql.startsWith('PRAGMA DATA_VERSION')) return 'change check';
  if (/^(INSERT|UPDATE|DELETE)\b/.test(sql)) return 'write';
  return 'row read';
}

let recording: Statement[] | undefined;
const record = (text: string | undefined) => recording?.push({ kind: kindOf(text ?? ''), text: (text ?? '').replace(/\s+/g, ' ').trim() });

// better-sqlite3: every statement runs through one of these four methods.
const sqliteStatement = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Record<string, (...args: unknown[]) => unknown>;
const sqliteOriginals = Object.fromEntries(['run', 'get', 'all', 'iterate'].map((name) => [name, sqliteStatement[name]!]));
// node-postgres: the pool's clients (application_name 'latchkey'); the change
// feed's listener and the migrator connect under names of their own.
const pgQuery = pg.Client.prototype.query;

beforeAll(() => {
  for (const [name, original] of Object.entries(sqliteOriginals)) {
    sqliteStatement[name] = function (this: { source: string }, ...args: unknown[]) {
      record(this.source);
      return original.apply(this, args);
    };
  }
  pg.Client.prototype.query = function (this: pg.Client & { connectionParameters?: { application_name?: string } }, ...args: unknown[]) {
    if (this.connectionParameters?.application_name === 'latchkey') {
      const config = args[0] as string | { text?: string };
      record(typeof config === 'string' ? config : config?.text);
    }
    return (pgQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pgQuery;
});

afterAll(() => {
  Object.assign(sqliteStatement, sqliteOriginals);
  pg.Client.prototype.query = pgQuery;
});

/** The statements `request` runs, over N calls after one warm-up call. */
async function statementsOf(request: (i: number) => Promise<{ status: number }>): Promise<Statement[]> {
  expect((await request(-1)).status).toBe(200);
  // A PostgreSQL spend is sent at the end of the event-loop turn; let stragglers land before counting.
  await new Promise((resolve) => setTimeout(resolve, 20));
  recording = [];
  try {
    for (let i = 0; i < N; i++) {
      const res = await request(i);
      expect(res.status, JSON.stringify((res as { body?: unknown }).body)).toBe(200);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    return recording;
  } finally {
    recording = undefined;
  }
}

const count = (statements: Statement[], kind: Kind) => statements.filter((s) => s.kind === kind).length;

/** What N requests may run: `writes` per request, no row read, and on SQLite one change check per request. */
function expectPerRequest(statements: Statement[], writes: number) {
  const detail = JSON.stringify(statements.slice(0, 6));
  expect(count(statements, 'row read'), detail).toBe(0);
  expect(count(statements, 'write'), detail).toBe(writes * N);
  expect(count(statements, 'change check'), detail).toBe(TEST_STORE === 'sqlite' ? N : 0);
}

async function customerToken(h: Harness, kid: string, key: import('node:crypto').KeyObject) {
  return new SignJWT({ plan: 'pro' })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setSubject('user-42')
    .setIssuedAt(h.clock.seconds)
    .setExpirationTime(h.clock.seconds + 3600)
    .sign(key);
}

async function appWithKey(h: Harness) {
  const app = await createTestApp(h);
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await addTestKey(h, app, { kid: 'k1', algorithm: 'ES256', publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string });
  return { appId: app.id, token: await customerToken(h, 'k1', privateKey) };
}

const signIn = (h: Harness, appId: string, token: string) =>
  h.http.post(`/run/auth/apps/${appId}/session`).set('Origin', ORIGIN).set('Authorization', `Bearer ${token}`);

describe(`statements per request on a warm node (${TEST_STORE})`, () => {
  describe('without proof of work or rate limit', () => {
    let h: Harness;
    let appId: string;
    let customer: string;
    let session: { token: string };
    beforeAll(async () => {
      h = await makeHarness({ RATE_LIMIT_PER_MINUTE: '0' });
      ({ appId, token: customer } = await appWithKey(h));
      session = await anonymousToken(h, appId);
    });

    it('introspection reads no row', async () => {
      const statements = await statementsOf(() => h.http.get(`/run/auth/apps/${appId}/session`).set('Authorization', `Bearer ${session.token}`));
      expectPerRequest(statements, 0);
    });

    it('JWKS reads no row', async () => {
      expectPerRequest(await statementsOf(() => h.http.get('/.well-known/jwks.json')), 0);
    });

    it('signing in with a customer JWT reads no row', async () => {
      expectPerRequest(await statementsOf(() => signIn(h, appId, customer)), 0);
    });

    it('an anonymous session, new or refreshed, reads no row', async () => {
      expectPerRequest(await statementsOf(() => requestAnonymousSession(h, appId)), 0);
      expectPerRequest(await statementsOf(() => requestAnonymousSession(h, appId, { bearer: session.token })), 0);
    });
  });

  describe('with proof of work', () => {
    let h: Harness;
    let appId: string;
    beforeAll(async () => {
      h = await makeHarness({ RATE_LIMIT_PER_MINUTE: '0', POW_HMAC_SECRET: POW_SECRET, POW_DIFFICULTY: '1000' });
      appId = (await createTestApp(h)).id;
    });

    it('a challenge reads no row and writes nothing', async () => {
      expectPerRequest(await statementsOf(() => h.http.get('/run/auth/pow/challenge').query({ appId })), 0);
    });

    it('an anonymous session writes its spent challenge, and nothing else', async () => {
      const solutions = await Promise.all(Array.from({ length: N + 1 }, () => fetchSolution(h, appId)));
      const statements = await statementsOf((i) => requestAnonymousSession(h, appId, { solution: solutions[i + 1]! }));
      expectPerRequest(statements, 1);
      for (const write of statements.filter((s) => s.kind === 'write')) expect(write.text).toMatch(/^INSERT .*spent_challenges/i);
    });
  });

  describe('with proof of work and a rate limit', () => {
    let h: Harness;
    let appId: string;
    let customer: string;
    beforeAll(async () => {
      h = await makeHarness({ RATE_LIMIT_PER_MINUTE: '1000', POW_HMAC_SECRET: POW_SECRET, POW_DIFFICULTY: '1000' });
      ({ appId, token: customer } = await appWithKey(h));
    });

    it('an anonymous session also counts its client: one more write', async () => {
      const solutions = await Promise.all(Array.from({ length: N + 1 }, () => fetchSolution(h, appId)));
      const statements = await statementsOf((i) => requestAnonymousSession(h, appId, { solution: solutions[i + 1]! }));
      expectPerRequest(statements, 2);
      expect(statements.filter((s) => /rate_limits/i.test(s.text))).toHaveLength(N);
    });

    it('a sign-in writes its rate-limit count only', async () => {
      const statements = await statementsOf(() => signIn(h, appId, customer));
      expectPerRequest(statements, 1);
      for (const write of statements.filter((s) => s.kind === 'write')) expect(write.text).toMatch(/rate_limits/i);
    });

    it('introspection and JWKS are not rate limited: still no statement but the change check', async () => {
      const { token } = await anonymousToken(h, appId);
      expectPerRequest(await statementsOf(() => h.http.get(`/run/auth/apps/${appId}/session`).set('Authorization', `Bearer ${token}`)), 0);
      expectPerRequest(await statementsOf(() => h.http.get('/.well-known/jwks.json')), 0);
    });
  });
});
