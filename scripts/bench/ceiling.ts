// The benchmark's ceiling: a bare node:http server that does only the work a
// session request cannot avoid, with the same libraries latchkey uses — sign
// a token (node:crypto, with the key's own algorithm: Ed25519, or P-256 for
// SESSION_TOKEN_ALG=ES256); verify one, check it against the app's
// revocations and sign; verify a customer JWT (jose) and sign; check a
// proof-of-work HMAC, insert the spent challenge and sign. It reads
// latchkey's own signing key (and its revocations) from the database so
// tokens from either server verify on both. Not a product: no validation,
// no errors worth the name. What the contract asks of every answer is done,
// as cheaply as it can be: the session endpoints look the app's allowlist up
// by id (a Set of origins, loaded once) and refuse an Origin not in it; every
// answer carries an X-Request-Id and Cache-Control: no-store, and, to a
// request with an Origin, the CORS headers (§0, §3).
//
// The spent challenge goes where the service's goes: on SQLite a
// better-sqlite3 insert into a table of the same layout; on PostgreSQL
// (a postgres:// databaseUrl) latchkey's own spend code (batched per
// event-loop turn, src/store/postgres/spent-challenges.ts) on a pool of the
// same size, since that round trip is work no PostgreSQL-backed server avoids.
//
// Revocations (§4.4): the unavoidable work per request is, after verifying
// the token and parsing its claims, three in-memory lookups against the
// app's revocations — its jti in a Set, its sub in a Map of user → latest
// revocation second (revoked when iat is at or before it), its iat against
// the latest issuedBefore. No server can skip them (introspection and refresh
// must refuse a revoked token, §3.4/§3.2) nor read rows for them (§5: a warm
// node reads none), so the ceiling loads every revocation once at start, as
// plain Sets and Maps written here rather than latchkey's own index, so the
// ratio would show a slow index. The bench creates them before starting it.
import { createHash, createHmac, createPrivateKey, createPublicKey, randomUUID, sign, timingSafeEqual, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Database from 'better-sqlite3';
import { compactVerify, decodeProtectedHeader } from 'jose';
import pg from 'pg';
import { createSpentChallengeStore } from '../../src/store/postgres/spent-challenges.js';

const config = JSON.parse(process.argv[2]!) as {
  databaseUrl: string;
  port: number;
  powSecret: string;
  customerKeys: { kid: string; algorithm: string; publicKey: string }[];
};

interface SigningKeyRow {
  kid: string;
  alg: 'EdDSA' | 'ES256';
  private_key: string;
  /** TEXT holding JSON on SQLite, jsonb (parsed) on PostgreSQL. */
  public_jwk: string | Record<string, string>;
}
const CURRENT_KEY = 'SELECT kid, alg, private_key, public_jwk FROM signing_keys WHERE retired_at IS NULL';
// Every revocation is live during a bench run (they are kept 30 days). Times are
// INTEGER ms on SQLite, timestamptz (a Date) on PostgreSQL.
const REVOCATIONS = 'SELECT app_id, jti, user_id, issued_before, created_at FROM revocations';
// allowed_domains: TEXT holding JSON on SQLite, jsonb on PostgreSQL. The bench's apps list plain hosts.
const APPS = 'SELECT id, allowed_domains FROM apps';

interface AppRow {
  id: string;
  allowed_domains: string | string[];
}

interface RevocationRow {
  app_id: string;
  jti: string | null;
  user_id: string | null;
  issued_before: number | Date | null;
  created_at: number | Date;
}

/** Marks a challenge spent: true when this call spent it. */
type Spend = (challenge: string, expiresAt: number) => boolean | Promise<boolean>;

async function openSpentLedger(): Promise<{ row: SigningKeyRow; revocationRows: RevocationRow[]; appRows: AppRow[]; spend: Spend }> {
  if (/^postgres(ql)?:\/\//i.test(config.databaseUrl)) {
    // The service's pool size (PG_POOL_MAX default) and its deadline (2 × 2 s).
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 });
    const ledger = createSpentChallengeStore(pool, 4_000);
    const row = (await pool.query<SigningKeyRow>(CURRENT_KEY)).rows[0]!;
    const revocationRows = (await pool.query<RevocationRow>(REVOCATIONS)).rows;
    const appRows = (await pool.query<AppRow>(APPS)).rows;
    return { row, revocationRows, appRows, spend: (challenge, expiresAt) => ledger.spend(challenge, expiresAt) };
  }
  const db = new Database(config.databaseUrl);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // The same layout as latchkey's spent_challenges (keyed by expiry first), so the
  // ratio measures the service's overhead, not a difference in storage design.
  db.exec(
    'CREATE TABLE IF NOT EXISTS ceiling_spent (expires_at INTEGER NOT NULL, challenge TEXT NOT NULL, PRIMARY KEY (expires_at, challenge)) WITHOUT ROWID',
  );
  const insertSpent = db.prepare('INSERT OR IGNORE INTO ceiling_spent (challenge, expires_at) VALUES (?, ?)');
  return {
    row: db.prepare(CURRENT_KEY).get() as SigningKeyRow,
    revocationRows: db.prepare(REVOCATIONS).all() as RevocationRow[],
    appRows: db.prepare(APPS).all() as AppRow[],
    spend: (challenge, expiresAt) => insertSpent.run(challenge, expiresAt).changes === 1,
  };
}

const { row, revocationRows, appRows, spend } = await openSpentLedger();
const allowedOrigins = new Map(
  appRows.map((app) => {
    const hosts = typeof app.allowed_domains === 'string' ? (JSON.parse(app.allowed_domains) as string[]) : app.allowed_domains;
    return [app.id, new Set(hosts.map((host) => `https://${host}`))];
  }),
);
const privateKey = createPrivateKey(row.private_key);
const jwk = typeof row.public_jwk === 'string' ? JSON.parse(row.public_jwk) : row.public_jwk;
const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
const header = Buffer.from(JSON.stringify({ alg: row.alg, kid: row.kid, typ: 'session+jwt' })).toString('base64url');
// ES256 in JWS: SHA-256 and the signature as r || s (RFC 7518 §3.4), not DER.
const digest = row.alg === 'ES256' ? 'sha256' : null;
const signingKey = row.alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const } : privateKey;
const verifyingKey = row.alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const } : publicKey;
const customerKeys = new Map(config.customerKeys.map((k) => [k.kid, { alg: k.algorithm, key: createPublicKey(k.publicKey) }]));

const revocations = new Map<string, { jtis: Set<string>; users: Map<string, number>; issuedBeforeMs: number }>();
for (const r of revocationRows) {
  let app = revocations.get(r.app_id);
  if (!app) revocations.set(r.app_id, (app = { jtis: new Set(), users: new Map(), issuedBeforeMs: -Infinity }));
  if (r.jti !== null) app.jtis.add(r.jti);
  const createdSeconds = Math.floor(new Date(r.created_at).getTime() / 1000);
  if (r.user_id !== null) app.users.set(r.user_id, Math.max(createdSeconds, app.users.get(r.user_id) ?? -Infinity));
  if (r.issued_before !== null) app.issuedBeforeMs = Math.max(app.issuedBeforeMs, new Date(r.issued_before).getTime());
}

interface Claims {
  sub: string;
  jti: string;
  iat: number;
}

function revoked(appId: string, claims: Claims): boolean {
  const app = revocations.get(appId);
  if (!app) return false;
  const userRevokedAt = app.users.get(claims.sub);
  return app.jtis.has(claims.jti) || (userRevokedAt !== undefined && claims.iat <= userRevokedAt) || claims.iat * 1000 < app.issuedBeforeMs;
}

function signToken(aud: string, sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: 'latchkey', aud, sub, iat: now, exp: now + 3600, jti: randomUUID(), tid: 't', pid: 'p', auth: 'anonymous' };
  const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${sign(digest, Buffer.from(input), signingKey).toString('base64url')}`;
}

/** The token's claims when it verifies and is not revoked for `appId`. */
function verifyToken(appId: string, token: string): Claims | null {
  const [h, p, s] = token.split('.');
  if (!h || !p || !s || !verify(digest, Buffer.from(`${h}.${p}`), verifyingKey, Buffer.from(s, 'base64url'))) return null;
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Claims;
  return revoked(appId, claims) ? null : claims;
}

function powOk(headerValue: string): boolean | Promise<boolean> {
  const s = JSON.parse(Buffer.from(headerValue, 'base64').toString());
  const challenge = createHash('sha256').update(s.salt + s.number).digest();
  const signature = createHmac('sha256', config.powSecret).update(s.challenge).digest();
  if (!timingSafeEqual(challenge, Buffer.from(s.challenge, 'hex'))) return false;
  if (!timingSafeEqual(signature, Buffer.from(s.signature, 'hex'))) return false;
  const expires = Number(new URLSearchParams(s.salt.split('?')[1]).get('expires'));
  if (expires * 1000 <= Date.now()) return false;
  return spend(s.challenge, expires);
}

// §3's exposed response headers.
const EXPOSED = 'Retry-After, RateLimit, RateLimit-Policy, X-Request-Id';

function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  const origin = req.headers.origin;
  const headers = ['X-Request-Id', randomUUID(), 'Cache-Control', 'no-store'];
  if (origin !== undefined) headers.push('Access-Control-Allow-Origin', origin, 'Vary', 'Origin', 'Access-Control-Expose-Headers', EXPOSED);
  headers.push('Content-Type', 'application/json', 'Content-Length', String(Buffer.byteLength(text)));
  res.writeHead(status, headers);
  res.end(text);
}

createServer(async (req, res) => {
  const appId = req.url!.split('/')[4]!;
  const bearer = req.headers.authorization?.slice(7);
  // The Origin check of every session request, and a refusal's whole work (the `refused` scenario).
  if (req.method === 'POST' && !allowedOrigins.get(appId)?.has(req.headers.origin!)) {
    return send(req, res, 403, { error: { code: 'origin_not_allowed', message: 'This origin is not allowed for the app.' } });
  }
  if (req.url!.endsWith('/anonymous-session')) {
    const pow = req.headers['x-challenge-solution'];
    if (typeof pow === 'string') {
      // Awaited only on PostgreSQL: SQLite's ceiling stays synchronous, as before.
      const ok = powOk(pow);
      if (!(typeof ok === 'boolean' ? ok : await ok)) return send(req, res, 403, { error: 'pow' });
    }
    const sub = (bearer && verifyToken(appId, bearer)?.sub) || `anon_${randomUUID()}`;
    return send(req, res, 200, { token: signToken(appId, sub), expiresAt: new Date().toISOString(), userId: sub });
  }
  if (req.method === 'GET') {
    const claims = bearer ? verifyToken(appId, bearer) : null;
    return claims ? send(req, res, 200, claims) : send(req, res, 401, { error: 'invalid' });
  }
  const { kid } = decodeProtectedHeader(bearer!);
  const key = customerKeys.get(kid!)!;
  const { payload } = await compactVerify(bearer!, key.key, { algorithms: [key.alg] });
  const claims = JSON.parse(Buffer.from(payload).toString());
  return send(req, res, 200, { token: signToken(appId, claims.sub), userId: claims.sub, authMethod: 'authenticated' });
}).listen(config.port, '127.0.0.1', () => process.stdout.write('ready\n'));
// A graceful exit on SIGTERM, so `npm run bench -- --profile` gets its profile.
process.on('SIGTERM', () => process.exit(0));
