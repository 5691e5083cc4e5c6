// The only reader of process.env. Every variable of the contract (§1) is
// validated once, here; a bad value stops the start with one line naming it.
import { z } from 'zod';

const intInRange = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .default(fallback);

const secret = (minLength: number) =>
  z.string().min(minLength, `must be at least ${minLength} characters`).optional();

// Keys are the environment variable names, so an error path names the variable.
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: intInRange(0, 65535, 3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    // A SQLite path (or :memory:), or a PostgreSQL URL; any other URL scheme
    // (mysql://, http://, file://…) is a mistake, not a file name.
    DATABASE_URL: z
      .string()
      .min(1)
      .refine((url) => !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url) || /^postgres(ql)?:\/\//i.test(url), {
        message: 'must be a SQLite file path, :memory:, or a postgres:// or postgresql:// URL',
      })
      .default('./data/latchkey.db'),
    MIGRATE_ON_START: z.enum(['true', 'false']).default('true'),
    // PostgreSQL only: connections per node (one more listens for changes).
    PG_POOL_MAX: intInRange(1, 1000, 10),
    // PostgreSQL only: how often a node checks for changes it was not notified of.
    CACHE_POLL_SECONDS: intInRange(1, 300, 5),
    MANAGE_API_KEY: secret(32),
    ISSUER: z.string().min(1).max(255).default('latchkey'),
    ANON_SESSION_TTL_SECONDS: intInRange(60, 2_592_000, 2_592_000),
    POW_HMAC_SECRET: secret(32),
    POW_DIFFICULTY: intInRange(1, 10_000_000, 50_000),
    POW_CHALLENGE_TTL_SECONDS: intInRange(10, 3600, 300),
    RATE_LIMIT_PER_MINUTE: intInRange(0, 1_000_000, 60),
    // A hop count only: `true` would trust any X-Forwarded-For a client invents.
    TRUST_PROXY: intInRange(0, 10, 0),
    AUDIT_RETENTION_DAYS: intInRange(1, 3650, 400),
    SESSION_TOKEN_ALG: z.enum(['EdDSA', 'ES256']).default('EdDSA'),
    SIGNING_KEY_PREPUBLISH_SECONDS: intInRange(0, 86_400, 600),
    KEY_ENCRYPTION_SECRET: secret(32),
    // §3.6: when set, GET /metrics wants it as a bearer token.
    METRICS_TOKEN: secret(32),
    // Not in the contract: `false` serves no /metrics (404) and counts nothing,
    // for deployments that do not scrape, and for measuring what metrics cost.
    METRICS_ENABLED: z.enum(['true', 'false']).default('true'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ADMIN_CONSOLE: z.enum(['true', 'false']).default('true'),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.MANAGE_API_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['MANAGE_API_KEY'],
        message: 'is required when NODE_ENV=production',
      });
    }
  });

type RawConfig = z.output<typeof configSchema>;

export interface Config {
  readonly nodeEnv: RawConfig['NODE_ENV'];
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly migrateOnStart: boolean;
  readonly pgPoolMax: number;
  readonly cachePollSeconds: number;
  readonly manageApiKey: string | undefined;
  readonly issuer: string;
  readonly anonSessionTtlSeconds: number;
  readonly pow: Readonly<{ hmacSecret: string; difficulty: number; challengeTtlSeconds: number }> | null;
  readonly rateLimitPerMinute: number;
  readonly trustProxy: number;
  readonly auditRetentionDays: number;
  /** Algorithm of signing keys created from now on (§4.3). */
  readonly sessionTokenAlg: RawConfig['SESSION_TOKEN_ALG'];
  /** How long a rotated-in key is published before it signs (§2.6). */
  readonly signingKeyPrepublishSeconds: number;
  /** Encrypts signing private keys at rest when set. */
  readonly keyEncryptionSecret: string | undefined;
  /** GET /metrics is served (and counted for) only when true. */
  readonly metricsEnabled: boolean;
  /** When set, GET /metrics requires it as a bearer token. */
  readonly metricsToken: string | undefined;
  readonly logLevel: RawConfig['LOG_LEVEL'];
  /** Serve the admin console at /admin (§7). */
  readonly adminConsole: boolean;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Names every variable the service reads; `.env.example` must list exactly these. */
export const CONFIG_VARIABLES = Object.keys(configSchema.shape).filter((name) => name !== 'NODE_ENV');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty value (`PORT=`) in an env file means "unset", not "invalid".
  const present = Object.fromEntries(
    Object.keys(configSchema.shape)
      .map((name) => [name, env[name]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    // Never echo the value: it may be a secret.
    throw new ConfigError(`invalid configuration: ${name} ${issue.message}`);
  }
  const c = parsed.data;
  return Object.freeze({
    nodeEnv: c.NODE_ENV,
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    migrateOnStart: c.MIGRATE_ON_START === 'true',
    pgPoolMax: c.PG_POOL_MAX,
    cachePollSeconds: c.CACHE_POLL_SECONDS,
    manageApiKey: c.MANAGE_API_KEY,
    issuer: c.ISSUER,
    anonSessionTtlSeconds: c.ANON_SESSION_TTL_SECONDS,
    pow: c.POW_HMAC_SECRET
      ? Object.freeze({
          hmacSecret: c.POW_HMAC_SECRET,
          difficulty: c.POW_DIFFICULTY,
          challengeTtlSeconds: c.POW_CHALLENGE_TTL_SECONDS,
        })
      : null,
    rateLimitPerMinute: c.RATE_LIMIT_PER_MINUTE,
    trustProxy: c.TRUST_PROXY,
    auditRetentionDays: c.AUDIT_RETENTION_DAYS,
    sessionTokenAlg: c.SESSION_TOKEN_ALG,
    signingKeyPrepublishSeconds: c.SIGNING_KEY_PREPUBLISH_SECONDS,
    keyEncryptionSecret: c.KEY_ENCRYPTION_SECRET,
    metricsEnabled: c.METRICS_ENABLED === 'true',
    metricsToken: c.METRICS_TOKEN,
    logLevel: c.LOG_LEVEL,
    adminConsole: c.ADMIN_CONSOLE === 'true',
  });
}
