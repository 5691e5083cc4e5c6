// Contract §1: configuration is validated once at start-up; a bad value stops
// the start with one line naming the variable, and never echoes a secret.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../src/config.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GOOD_SECRET = 'a-management-key-that-is-long-enough-0123';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(Object.keys(env))}`);
}

describe('loadConfig', () => {
  it('uses the contract defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      nodeEnv: 'development',
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: './data/latchkey.db',
      migrateOnStart: true,
      pgPoolMax: 10,
      cachePollSeconds: 5,
      manageApiKey: undefined,
      issuer: 'latchkey',
      anonSessionTtlSeconds: 2_592_000,
      pow: null,
      rateLimitPerMinute: 60,
      trustProxy: 0,
      auditRetentionDays: 400,
      sessionTokenAlg: 'EdDSA',
      signingKeyPrepublishSeconds: 600,
      keyEncryptionSecret: undefined,
      metricsEnabled: true,
      metricsToken: undefined,
      logLevel: 'info',
      adminConsole: true,
    });
  });

  it('accepts SQLite paths and PostgreSQL URLs for DATABASE_URL', () => {
    for (const url of ['./data/x.db', '/var/lib/latchkey.db', ':memory:', 'postgres://u:p@h/db', 'postgresql://h:5432/db']) {
      expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    }
  });

  it('treats an empty value (`PORT=` in an env file) as unset', () => {
    expect(loadConfig({ PORT: '', POW_HMAC_SECRET: '' })).toMatchObject({ port: 3000, pow: null });
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '127.0.0.1',
      DATABASE_URL: ':memory:',
      MIGRATE_ON_START: 'false',
      PG_POOL_MAX: '25',
      CACHE_POLL_SECONDS: '2',
      MANAGE_API_KEY: GOOD_SECRET,
      ISSUER: 'https://auth.example.com',
      ANON_SESSION_TTL_SECONDS: '60',
      POW_HMAC_SECRET: GOOD_SECRET,
      POW_DIFFICULTY: '1000',
      POW_CHALLENGE_TTL_SECONDS: '120',
      RATE_LIMIT_PER_MINUTE: '0',
      TRUST_PROXY: '2',
      AUDIT_RETENTION_DAYS: '30',
      SESSION_TOKEN_ALG: 'ES256',
      SIGNING_KEY_PREPUBLISH_SECONDS: '0',
      KEY_ENCRYPTION_SECRET: GOOD_SECRET,
      METRICS_TOKEN: GOOD_SECRET,
      METRICS_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      ADMIN_CONSOLE: 'false',
    });
    expect(config).toEqual({
      nodeEnv: 'production',
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: ':memory:',
      migrateOnStart: false,
      pgPoolMax: 25,
      cachePollSeconds: 2,
      manageApiKey: GOOD_SECRET,
      issuer: 'https://auth.example.com',
      anonSessionTtlSeconds: 60,
      pow: { hmacSecret: GOOD_SECRET, difficulty: 1000, challengeTtlSeconds: 120 },
      rateLimitPerMinute: 0,
      trustProxy: 2,
      auditRetentionDays: 30,
      sessionTokenAlg: 'ES256',
      signingKeyPrepublishSeconds: 0,
      keyEncryptionSecret: GOOD_SECRET,
      metricsEnabled: false,
      metricsToken: GOOD_SECRET,
      logLevel: 'warn',
      adminConsole: false,
    });
  });

  it.each([
    ['MIGRATE_ON_START', 'yes'],
    ['METRICS_ENABLED', 'yes'],
    ['ADMIN_CONSOLE', 'off'],
    ['DATABASE_URL', 'mysql://db/latchkey'],
    ['DATABASE_URL', 'http://example.com/db'],
    ['DATABASE_URL', 'file:///tmp/x.db'],
    ['AUDIT_RETENTION_DAYS', '0'],
    ['AUDIT_RETENTION_DAYS', '3651'],
    ['SESSION_TOKEN_ALG', 'RS256'],
    ['SESSION_TOKEN_ALG', 'es256'],
    ['SIGNING_KEY_PREPUBLISH_SECONDS', '86401'],
    ['SIGNING_KEY_PREPUBLISH_SECONDS', '-1'],
    ['PG_POOL_MAX', '0'],
    ['CACHE_POLL_SECONDS', '0'],
    ['PORT', 'abc'],
    ['PORT', '65536'],
    ['ANON_SESSION_TTL_SECONDS', '59'],
    ['ANON_SESSION_TTL_SECONDS', '2592001'],
    ['TRUST_PROXY', 'true'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    const error = configError({ [name]: value });
    expect(error.message).toContain(name);
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it.each(['POW_HMAC_SECRET', 'MANAGE_API_KEY', 'KEY_ENCRYPTION_SECRET', 'METRICS_TOKEN'])('refuses a short %s without echoing it', (name) => {
    const secret = 'short-but-secret-SENTINEL';
    const error = configError({ [name]: secret });
    expect(error.message).toContain(name);
    expect(error.message).toContain('32');
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain('SENTINEL');
  });

  it('refuses production without MANAGE_API_KEY', () => {
    expect(configError({ NODE_ENV: 'production' }).message).toMatch(/MANAGE_API_KEY.*production/);
    expect(loadConfig({ NODE_ENV: 'production', MANAGE_API_KEY: GOOD_SECRET }).manageApiKey).toBe(GOOD_SECRET);
  });

  it('allows no MANAGE_API_KEY outside production (one is generated on first start)', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).manageApiKey).toBeUndefined();
  });

  it('returns a frozen config, proof of work settings included', () => {
    const config = loadConfig({ POW_HMAC_SECRET: GOOD_SECRET });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.pow)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(config.port).toBe(3000);
  });
});

describe('.env.example', () => {
  const documented = readFileSync(`${ROOT}/.env.example`, 'utf8')
    .split(/\r?\n/)
    .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);

  it('documents every variable the service reads', () => {
    expect(CONFIG_VARIABLES.filter((name) => !documented.includes(name))).toEqual([]);
  });

  it('documents no variable the service ignores, and none twice', () => {
    expect(documented.filter((name) => !CONFIG_VARIABLES.includes(name))).toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('is itself a valid configuration', () => {
    const env = Object.fromEntries(
      readFileSync(`${ROOT}/.env.example`, 'utf8')
        .split(/\r?\n/)
        .map((line) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
        .filter((match) => match !== null)
        .map((match) => [match[1]!, match[2]!]),
    );
    expect(() => loadConfig(env)).not.toThrow();
  });
});

describe('starting the service', () => {
  it('with a bad PORT exits non-zero with one stderr line naming PORT', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      // A clean environment: only what node needs, plus the bad value.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: 'abc', DATABASE_URL: ':memory:' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.status).not.toBe(0);
    expect(result.status).not.toBeNull();
    const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('PORT');
    expect(lines[0]).not.toMatch(/^\s+at /);
  });
});
