// KEY_ENCRYPTION_SECRET (§1): the service's signing private keys are stored
// encrypted (AES-256-GCM, key from HKDF, the kid as associated data); keys
// stored in clear before are encrypted on the next start; a wrong or missing
// secret stops the start with one clear line. Checked by reading the raw column,
// as someone holding a copy of the database would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it, onTestFinished } from 'vitest';
import { encryptPrivateKey, KeyEncryptionError, readPrivateKey } from '../../src/signing/key-encryption.js';
import { auth, createTestApp, makeHarness, type Harness } from '../support/harness.js';
import { startLatchkey } from '../support/latchkey-process.js';
import { anonymousToken, verifyWithJwks } from '../support/run-api.js';

const SECRET = 'key-encryption-secret-0123456789abcdef';
const OTHER_SECRET = 'another-encryption-secret-0123456789abc';
const PEM = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIHZhbHVlLW5vdC1hLXJlYWwta2V5LWZvci10ZXN0cw==\n-----END PRIVATE KEY-----\n';
const ENCRYPTED = /^enc:v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/;

const storedKeys = (h: Harness) => h.query<{ kid: string; private_key: string }>('select kid, private_key from signing_keys');

/** A database file (SQLite) or database name (PostgreSQL) two harnesses can share, like two starts of the service. */
function sharedDatabase(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-encryption-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'latchkey.db');
}

describe('the stored form', () => {
  it('round-trips, with a fresh IV each time, and names its version', () => {
    const a = encryptPrivateKey(PEM, 'lk_1', SECRET);
    const b = encryptPrivateKey(PEM, 'lk_1', SECRET);
    expect(a).toMatch(ENCRYPTED);
    expect(a).not.toBe(b);
    expect(readPrivateKey(a, 'lk_1', SECRET)).toBe(PEM);
  });

  it('does not decrypt under another secret, on another key’s row, or tampered', () => {
    const stored = encryptPrivateKey(PEM, 'lk_1', SECRET);
    expect(() => readPrivateKey(stored, 'lk_1', OTHER_SECRET)).toThrow(KeyEncryptionError);
    // The kid is the associated data: a ciphertext moved to another row is refused.
    expect(() => readPrivateKey(stored, 'lk_2', SECRET)).toThrow(KeyEncryptionError);
    // A change to a character that carries full bits (not the last, whose low bits may be padding).
    const at = stored.length - 2;
    const flipped = stored.slice(0, at) + (stored[at] === 'A' ? 'B' : 'A') + stored.slice(at + 1);
    expect(() => readPrivateKey(flipped, 'lk_1', SECRET)).toThrow(KeyEncryptionError);
    expect(() => readPrivateKey('enc:v1:garbage', 'lk_1', SECRET)).toThrow(KeyEncryptionError);
    expect(() => readPrivateKey(stored, 'lk_1', undefined)).toThrow(/set KEY_ENCRYPTION_SECRET/);
  });
});

describe('with KEY_ENCRYPTION_SECRET set', () => {
  it('stores every signing key encrypted, the first and the rotated ones, and signs with them', async () => {
    const h = await makeHarness({ KEY_ENCRYPTION_SECRET: SECRET });
    const app = await createTestApp(h);
    await h.http.post('/manage/signing-keys/rotate').set(auth).send({}).expect(201);
    await h.http.post('/manage/signing-keys/rotate').set(auth).send({ immediate: true }).expect(201);
    const rows = await storedKeys(h);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.private_key).toMatch(ENCRYPTED);
      expect(row.private_key).not.toMatch(/PRIVATE KEY/);
    }
    const { token } = await anonymousToken(h, app.id);
    await verifyWithJwks(h, token, app.id);
  });

  it('encrypts keys stored in clear on the next start, keeping them: issued tokens stay valid', async () => {
    const file = sharedDatabase();
    const clear = await makeHarness({}, { databaseUrl: file });
    const app = await createTestApp(clear);
    const old = await anonymousToken(clear, app.id);
    await clear.http.post('/manage/signing-keys/rotate').set(auth).send({}).expect(201);
    const before = await storedKeys(clear);
    for (const row of before) expect(row.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    await clear.close();

    const h = await makeHarness({ KEY_ENCRYPTION_SECRET: SECRET }, { databaseUrl: file, clock: clear.clock });
    const after = await storedKeys(h);
    expect(after.map((row) => row.kid).sort()).toEqual(before.map((row) => row.kid).sort());
    for (const row of after) {
      expect(row.private_key).toMatch(ENCRYPTED);
      // The same key, now encrypted.
      expect(readPrivateKey(row.private_key, row.kid, SECRET)).toBe(before.find((b) => b.kid === row.kid)!.private_key);
    }
    await verifyWithJwks(h, old.token, app.id);
    const fresh = await anonymousToken(h, app.id);
    expect(decodeProtectedHeader(fresh.token).kid).toBe(decodeProtectedHeader(old.token).kid);
  });

  it('refuses to open with another secret, or with none, once keys are encrypted', async () => {
    const file = sharedDatabase();
    const first = await makeHarness({ KEY_ENCRYPTION_SECRET: SECRET }, { databaseUrl: file });
    await first.close();
    await expect(makeHarness({ KEY_ENCRYPTION_SECRET: OTHER_SECRET }, { databaseUrl: file })).rejects.toThrow(KeyEncryptionError);
    await expect(makeHarness({}, { databaseUrl: file })).rejects.toThrow(KeyEncryptionError);
  });
});

describe('the real entry point', () => {
  async function encryptedDatabase(): Promise<string> {
    const file = sharedDatabase();
    const h = await makeHarness({ KEY_ENCRYPTION_SECRET: SECRET }, { databaseUrl: file });
    const url = h.databaseUrl;
    // PostgreSQL: the database outlives the harness until the file's end; SQLite: the file does.
    await h.close();
    return url;
  }

  it.each([
    ['a wrong secret', { KEY_ENCRYPTION_SECRET: OTHER_SECRET }, 'latchkey: KEY_ENCRYPTION_SECRET does not decrypt the stored signing keys\n'],
    ['no secret', {}, 'latchkey: the stored signing keys are encrypted: set KEY_ENCRYPTION_SECRET\n'],
  ])('with %s stops the start with one line on stderr and a non-zero exit', async (_name, env, line) => {
    const url = await encryptedDatabase();
    const p = startLatchkey({ DATABASE_URL: url, ...env });
    onTestFinished(() => p.cleanUp());
    const { code, stderr } = await p.exited;
    expect(code).not.toBe(0);
    expect(stderr).toBe(line);
  }, 20_000);
});
