// Contract §3.6: `latchkey <command>`, each with --help, one-line errors on
// stderr and a non-zero exit; a command that changes something prints its
// result as the API's JSON. Run as an operator would: a process of its own.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findLiveApiKey } from '../../src/manage/api-keys.js';
import { newSigningKey } from '../../src/signing/signing-key.js';
import { openStore } from '../../src/store/open-store.js';
import { freshPostgresDatabase, postgresAvailable } from '../support/postgres.js';
import { removeDir, runCli, workDir } from '../support/cli.js';

let dir: string;
afterEach(() => removeDir(dir));

// These commands run on SQLite files of their own whatever the run's store: once, in the SQLite pass.
const describeOnce = describe.skipIf(postgresAvailable);

describeOnce('latchkey', () => {
  it('--help lists every command', () => {
    dir = workDir();
    const result = runCli(['--help'], { cwd: dir });
    expect(result.status).toBe(0);
    for (const command of ['serve', 'migrate', 'rotate-key', 'revoke-key', 'create-api-key']) expect(result.stdout).toContain(`  ${command} `);
    expect(runCli(['--version'], { cwd: dir }).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it.each(['serve', 'migrate', 'rotate-key', 'revoke-key', 'create-api-key'])('%s --help explains the command and changes nothing', (command) => {
    dir = workDir('DATABASE_URL=./must-not-exist.db\n');
    const result = runCli([command, '--help'], { cwd: dir });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: latchkey ${command}`));
    expect(existsSync(join(dir, 'must-not-exist.db'))).toBe(false);
  });

  it.each([
    [['deploy'], /^latchkey: unknown command 'deploy'/],
    [['rotate-key', '--immediate', '--force'], /^latchkey rotate-key: Unknown option '--force' \(see latchkey rotate-key --help\)$/],
    [['rotate-key', '--immediate=yes'], /^latchkey rotate-key: Option '--immediate' does not take an argument/],
    [['migrate', 'now'], /^latchkey migrate: unexpected argument 'now'/],
    [['revoke-key'], /^latchkey revoke-key: missing <kid>/],
    [['revoke-key', 'not a kid'], /^latchkey revoke-key: <kid> must match/],
    [['create-api-key', '--name', 'Acme'], /^latchkey create-api-key: --tenant is required/],
    [['create-api-key', '--tenant', 'acme'], /^latchkey create-api-key: --name is required/],
    [['create-api-key', '--tenant', 'acme', '--project', 'a/b', '--name', 'Acme'], /^latchkey create-api-key: --project must match/],
    [['create-api-key', '--tenant', 'acme', '--name', 'Acme', '--expires-at', 'tomorrow'], /^latchkey create-api-key: --expires-at /],
  ])('%j is refused with exit 2 and one line', (args, message) => {
    dir = workDir();
    const result = runCli(args, { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.errorLines).toHaveLength(1);
    expect(result.errorLines[0]).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('without a command prints its usage on stderr and exits 2', () => {
    dir = workDir();
    const result = runCli([], { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^Usage: latchkey <command>/);
  });
});

describeOnce('latchkey migrate', () => {
  it('creates and migrates the database, and prints what it did as JSON', async () => {
    dir = workDir();
    const file = join(dir, 'data', 'latchkey.db');
    const result = runCli(['migrate'], { cwd: dir, env: { DATABASE_URL: file } });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ data: { database: 'sqlite', migrated: true } });
    // Migrated: the tables the service uses are there.
    const store = await openStore(file);
    await expect(store.apps.list({ tenantId: 't', projectId: 'p' }, 1, 1)).resolves.toEqual({ apps: [], total: 0 });
    await store.close();
    // A second run applies nothing and still succeeds.
    expect(runCli(['migrate'], { cwd: dir, env: { DATABASE_URL: file } }).status).toBe(0);
  });

  it('stops with one line naming a bad variable, exit 1', () => {
    dir = workDir();
    const result = runCli(['migrate'], { cwd: dir, env: { DATABASE_URL: join(dir, 'x.db'), LOG_LEVEL: 'loud' } });
    expect(result.status).toBe(1);
    expect(result.errorLines).toEqual([expect.stringMatching(/^latchkey migrate: invalid configuration: LOG_LEVEL /)]);
  });

  it('reports a database it cannot open in one line, exit 1', () => {
    dir = workDir();
    // A directory where the database file should be.
    const result = runCli(['migrate'], { cwd: dir, env: { DATABASE_URL: dir } });
    expect(result.status).toBe(1);
    expect(result.errorLines).toHaveLength(1);
    expect(result.errorLines[0]).toMatch(/^latchkey migrate: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

const SETTINGS = { sessionTokenAlg: 'EdDSA', signingKeyPrepublishSeconds: 600, keyEncryptionSecret: undefined } as const;

/** A database whose current signing key is `lk_old`, made a day ago. */
async function databaseWithKey(file: string) {
  const store = await openStore(file);
  await store.signingKeys.ensureCurrent(() => ({ ...newSigningKey(SETTINGS, Date.now() - 86_400_000), kid: 'lk_old' }));
  return store;
}

describeOnce('latchkey rotate-key', () => {
  it('--immediate makes a new key current, keeps the old one published, prints the new key, and records who did it', async () => {
    dir = workDir();
    const file = join(dir, 'latchkey.db');
    const store = await databaseWithKey(file);

    const result = runCli(['rotate-key', '--immediate'], { cwd: dir, env: { DATABASE_URL: file } });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const { data } = JSON.parse(result.stdout);
    expect(data).toEqual({
      kid: expect.stringMatching(/^lk_/),
      alg: 'EdDSA',
      status: 'current',
      createdAt: expect.any(String),
      activatesAt: data.createdAt,
      retiredAt: null,
      publishUntil: null,
    });
    expect(JSON.stringify(data)).not.toMatch(/PRIVATE|"d"/);

    const keys = await store.signingKeys.all();
    const old = keys.find((key) => key.kid === 'lk_old')!;
    // The old key stays in JWKS until its last token has expired (30 days + 1 minute).
    expect(old.publishUntil!.getTime() - old.retiredAt!.getTime()).toBe((2_592_000 + 60) * 1000);
    expect((await store.audit.list({ limit: 10 })).events).toEqual([
      expect.objectContaining({ action: 'signing_key.rotated', target: data.kid, actor: { type: 'cli' }, ip: null, requestId: null }),
    ]);
    await store.close();
  });

  it('without --immediate pre-publishes the new key; the old one signs until it activates', async () => {
    dir = workDir();
    const file = join(dir, 'latchkey.db');
    const store = await databaseWithKey(file);

    const result = runCli(['rotate-key'], { cwd: dir, env: { DATABASE_URL: file } });
    expect(result.status).toBe(0);
    const { data } = JSON.parse(result.stdout);
    expect(data.status).toBe('pending');
    // SIGNING_KEY_PREPUBLISH_SECONDS defaults to 600.
    expect(Date.parse(data.activatesAt) - Date.parse(data.createdAt)).toBe(600_000);
    const old = (await store.signingKeys.all()).find((key) => key.kid === 'lk_old')!;
    expect(old.retiredAt?.toISOString()).toBe(data.activatesAt);
    await store.close();
  });
});

describeOnce('latchkey revoke-key', () => {
  it('revokes the current key, prints it, and a new key signs from now on', async () => {
    dir = workDir();
    const file = join(dir, 'latchkey.db');
    const store = await databaseWithKey(file);

    const result = runCli(['revoke-key', 'lk_old'], { cwd: dir, env: { DATABASE_URL: file } });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).data).toMatchObject({ kid: 'lk_old', status: 'revoked' });
    const keys = await store.signingKeys.all();
    expect(keys.filter((key) => key.revokedAt === null && key.retiredAt === null)).toEqual([
      expect.objectContaining({ kid: expect.not.stringMatching(/^lk_old$/) }),
    ]);
    await store.close();
  });

  it('names a kid it does not know in one line, exit 1', () => {
    dir = workDir();
    const result = runCli(['revoke-key', 'lk_20260101_abcdef12'], { cwd: dir, env: { DATABASE_URL: join(dir, 'x.db') } });
    expect(result.status).toBe(1);
    expect(result.errorLines).toEqual(['latchkey revoke-key: no signing key lk_20260101_abcdef12']);
  });
});

describeOnce('latchkey create-api-key', () => {
  it('creates a scoped key, prints it with its secret as the API does, and records who made it', async () => {
    dir = workDir();
    const file = join(dir, 'latchkey.db');
    const result = runCli(['create-api-key', '--tenant', 'acme', '--project', 'docs', '--name', 'Acme backend'], {
      cwd: dir,
      env: { DATABASE_URL: file },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed).toEqual({
      data: {
        id: expect.stringMatching(/^key_/),
        name: 'Acme backend',
        tenantId: 'acme',
        projectId: 'docs',
        createdAt: expect.any(String),
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      },
      secret: expect.stringMatching(/^lk_mgmt_/),
    });

    const store = await openStore(file);
    // The secret printed is the key's: the service would accept it.
    expect((await findLiveApiKey(store, printed.secret, Date.now()))?.id).toBe(printed.data.id);
    const { events } = await store.audit.list({ tenantId: 'acme', limit: 10 });
    expect(events).toEqual([
      expect.objectContaining({ action: 'api_key.created', target: printed.data.id, actor: { type: 'cli' }, ip: null, requestId: null }),
    ]);
    await store.close();
  });

  it('refuses an expiry in the past, exit 2, and stores nothing', async () => {
    dir = workDir();
    const file = join(dir, 'latchkey.db');
    const result = runCli(['create-api-key', '--tenant', 'acme', '--name', 'Old', '--expires-at', '2020-01-01T00:00:00Z'], {
      cwd: dir,
      env: { DATABASE_URL: file },
    });
    expect(result.status).toBe(2);
    expect(result.errorLines).toEqual(['latchkey create-api-key: --expires-at must be in the future']);
    const store = await openStore(file);
    expect(await store.apiKeys.list('acme')).toEqual([]);
    await store.close();
  });
});

describe.runIf(postgresAvailable)('latchkey migrate on PostgreSQL', () => {
  it('migrates an empty database, which a node started with MIGRATE_ON_START=false then accepts', async () => {
    dir = workDir();
    const database = await freshPostgresDatabase({ empty: true });
    try {
      await expect(openStore(database.url, { migrateOnStart: false })).rejects.toThrow();
      const result = runCli(['migrate'], { cwd: dir, env: { DATABASE_URL: database.url } });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ data: { database: 'postgres', migrated: true } });
      const store = await openStore(database.url, { migrateOnStart: false });
      await expect(store.apps.list({ tenantId: 't', projectId: 'p' }, 1, 1)).resolves.toEqual({ apps: [], total: 0 });
      await store.close();
    } finally {
      await database.drop();
    }
  });
});
