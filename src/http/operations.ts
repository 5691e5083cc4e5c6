// Every operation the HTTP API serves, and every error code each one can
// answer: the one table /openapi.json is built from (./openapi.ts), which the
// test suite checks against what the routes really answer. Every HTTP test
// that goes through the test harness records each error it receives, and a
// code an operation answered that is not listed here fails that test file
// (test/support/observed-errors.ts); so does a route that answers but is not
// listed here at all. Requests that fail below the application (malformed
// request line, headers too large, timeouts) and 404/405 for paths and
// methods not served belong to no operation.
import type { ErrorCode } from '../errors.js';
import type { RequestSchemaName, ResponseSchemaName } from './openapi-schemas.js';

export type Method = 'get' | 'post' | 'patch' | 'delete' | 'options';
export type Tag = 'Apps' | 'Customer keys' | 'Revocations' | 'Management keys' | 'Audit events' | 'Sessions' | 'Signing keys' | 'Operations';
/**
 * manageKey: the root key or a scoped key (within its scope); rootKey: the
 * root key only; customerJwt: a JWT the customer's backend signed;
 * sessionToken: one this service issued.
 */
export type Security = 'manageKey' | 'rootKey' | 'customerJwt' | 'sessionToken' | 'optionalSessionToken' | 'metricsToken' | 'public';
/** Parameters besides the path's own, by their name under components.parameters. */
export type ParameterName =
  | 'Page'
  | 'Limit'
  | 'TenantIdFilter'
  | 'AuditLimit'
  | 'AuditCursor'
  | 'AuditAppId'
  | 'AuditAction'
  | 'ChallengeAppId'
  | 'Origin'
  | 'ChallengeSolution'
  | 'InkeepChallengeSolution'
  | 'AccessControlRequestMethod'
  | 'AccessControlRequestHeaders';

export interface Operation {
  readonly operationId: string;
  readonly method: Method;
  /** OpenAPI path template; `{name}` parameters are described in components.parameters. */
  readonly path: string;
  readonly tag: Tag;
  readonly summary: string;
  readonly security: Security;
  readonly parameters?: readonly ParameterName[];
  readonly requestBody?: RequestSchemaName;
  readonly success: { readonly status: number; readonly description: string; readonly schema?: ResponseSchemaName };
  /** Answers that passed the session rate limit carry RateLimit and RateLimit-Policy (§3). */
  readonly rateLimited?: boolean;
  readonly errors: readonly ErrorCode[];
}

// What every management request may meet before its handler (§0 order):
// the lockout, the key, the media type, the size and syntax of a body (on any
// method: a GET with a body is parsed too), malformed path parameters or
// query, a malformed %-escape in the path, and a store that cannot serve.
const ANY_KEY: readonly ErrorCode[] = [
  'bad_request',
  'invalid_json',
  'validation_failed',
  'unauthorized',
  'unsupported_media_type',
  'payload_too_large',
  'rate_limited',
  'service_unavailable',
];
// Every route but /manage/me and /manage/projects refuses a key outside its scope (§2.3).
const MANAGE: readonly ErrorCode[] = [...ANY_KEY, 'forbidden'];

// The run API never reads a body, but refuses one that is not JSON or is over 64 KiB (§3).
const RUN: readonly ErrorCode[] = ['unsupported_media_type', 'payload_too_large', 'service_unavailable'];
const RUN_APP: readonly ErrorCode[] = [...RUN, 'bad_request', 'validation_failed', 'app_not_found'];
const POW: readonly ErrorCode[] = ['pow_required', 'pow_malformed', 'pow_invalid', 'pow_expired', 'pow_replayed'];
// Express routes outside /manage refuse a body that is not JSON, nothing more.
const OPS: readonly ErrorCode[] = ['unsupported_media_type'];

const APPS = '/manage/tenants/{tenantId}/projects/{projectId}/apps';
const APP = `${APPS}/{appId}`;
const RUN_APPS = '/run/auth/apps/{appId}';

const preflight = (operationId: string, path: string): Operation => ({
  operationId,
  method: 'options',
  path,
  tag: 'Sessions',
  summary: 'CORS preflight (any Origin; the allowlist is enforced by the request itself)',
  security: 'public',
  parameters: ['AccessControlRequestMethod', 'AccessControlRequestHeaders'],
  success: { status: 204, description: 'The methods and headers a browser may use' },
  // Without Access-Control-Request-Method it is no preflight: 405 with Allow.
  errors: ['method_not_allowed'],
});

export const OPERATIONS: readonly Operation[] = [
  {
    operationId: 'listApps',
    method: 'get',
    path: APPS,
    tag: 'Apps',
    summary: 'List the apps of a project, oldest first',
    security: 'manageKey',
    parameters: ['Page', 'Limit'],
    success: { status: 200, description: 'One page of apps', schema: 'AppList' },
    errors: MANAGE,
  },
  {
    operationId: 'createApp',
    method: 'post',
    path: APPS,
    tag: 'Apps',
    summary: 'Create an app',
    security: 'manageKey',
    requestBody: 'AppCreate',
    success: { status: 201, description: 'The new app', schema: 'AppEnvelope' },
    errors: MANAGE,
  },
  {
    operationId: 'getApp',
    method: 'get',
    path: APP,
    tag: 'Apps',
    summary: 'Get an app',
    security: 'manageKey',
    success: { status: 200, description: 'The app', schema: 'AppEnvelope' },
    errors: [...MANAGE, 'app_not_found'],
  },
  {
    operationId: 'updateApp',
    method: 'patch',
    path: APP,
    tag: 'Apps',
    summary: 'Change an app (JSON merge patch: only the fields sent change)',
    security: 'manageKey',
    requestBody: 'AppPatch',
    success: { status: 200, description: 'The updated app', schema: 'AppEnvelope' },
    errors: [...MANAGE, 'app_not_found'],
  },
  {
    operationId: 'deleteApp',
    method: 'delete',
    path: APP,
    tag: 'Apps',
    summary: 'Delete an app, its keys and its sessions',
    security: 'manageKey',
    success: { status: 204, description: 'Deleted' },
    errors: [...MANAGE, 'app_not_found'],
  },
  {
    operationId: 'listAuthKeys',
    method: 'get',
    path: `${APP}/auth-keys`,
    tag: 'Customer keys',
    summary: "List an app's customer public keys, oldest first",
    security: 'manageKey',
    success: { status: 200, description: 'The keys', schema: 'KeyList' },
    errors: [...MANAGE, 'app_not_found'],
  },
  {
    operationId: 'addAuthKey',
    method: 'post',
    path: `${APP}/auth-keys`,
    tag: 'Customer keys',
    summary: 'Upload a customer public key (at most 5 per app)',
    security: 'manageKey',
    requestBody: 'KeyCreate',
    success: { status: 201, description: 'The key as stored', schema: 'KeyEnvelope' },
    errors: [...MANAGE, 'invalid_public_key', 'app_not_found', 'kid_conflict', 'key_limit_reached'],
  },
  {
    operationId: 'deleteAuthKey',
    method: 'delete',
    path: `${APP}/auth-keys/{kid}`,
    tag: 'Customer keys',
    summary: 'Delete a customer public key',
    security: 'manageKey',
    success: { status: 204, description: 'Deleted' },
    errors: [...MANAGE, 'app_not_found', 'key_not_found'],
  },
  {
    operationId: 'listRevocations',
    method: 'get',
    path: `${APP}/revocations`,
    tag: 'Revocations',
    summary: "List an app's session revocations, newest first",
    security: 'manageKey',
    success: { status: 200, description: 'The live revocations', schema: 'RevocationList' },
    errors: [...MANAGE, 'app_not_found'],
  },
  {
    operationId: 'revokeSessions',
    method: 'post',
    path: `${APP}/revocations`,
    tag: 'Revocations',
    summary: 'Revoke sessions: one token (jti), a user (userId), or every session issued before a time (issuedBefore)',
    security: 'manageKey',
    requestBody: 'RevocationCreate',
    success: { status: 201, description: 'The revocation, in effect from the next request', schema: 'RevocationEnvelope' },
    errors: [...MANAGE, 'app_not_found', 'revocation_limit_reached'],
  },
  {
    operationId: 'listSigningKeys',
    method: 'get',
    path: '/manage/signing-keys',
    tag: 'Signing keys',
    summary: "The service's signing keys and their status (root key only)",
    security: 'rootKey',
    success: { status: 200, description: 'Every signing key, oldest first', schema: 'SigningKeyList' },
    errors: MANAGE,
  },
  {
    operationId: 'rotateSigningKey',
    method: 'post',
    path: '/manage/signing-keys/rotate',
    tag: 'Signing keys',
    summary: 'Bring in a new signing key: pre-published, or current at once with immediate (root key only)',
    security: 'rootKey',
    requestBody: 'SigningKeyRotate',
    success: { status: 201, description: 'The new key', schema: 'SigningKeyEnvelope' },
    errors: MANAGE,
  },
  {
    operationId: 'revokeSigningKey',
    method: 'post',
    path: '/manage/signing-keys/{kid}/revoke',
    tag: 'Signing keys',
    summary: 'Revoke a signing key: out of JWKS at once, every token it signed refused (root key only)',
    security: 'rootKey',
    success: { status: 200, description: 'The key, now revoked', schema: 'SigningKeyEnvelope' },
    errors: [...MANAGE, 'signing_key_not_found'],
  },
  {
    operationId: 'createApiKey',
    method: 'post',
    path: '/manage/api-keys',
    tag: 'Management keys',
    summary: 'Create a management key scoped to a tenant or one project (root key only); its secret is shown this once',
    security: 'rootKey',
    requestBody: 'ApiKeyCreate',
    success: { status: 201, description: 'The key, and its secret', schema: 'ApiKeyCreated' },
    errors: MANAGE,
  },
  {
    operationId: 'listApiKeys',
    method: 'get',
    path: '/manage/api-keys',
    tag: 'Management keys',
    summary: 'List management keys, of one tenant when tenantId is given (root key only; never a secret)',
    security: 'rootKey',
    parameters: ['TenantIdFilter'],
    success: { status: 200, description: 'The keys', schema: 'ApiKeyList' },
    errors: MANAGE,
  },
  {
    operationId: 'revokeApiKey',
    method: 'delete',
    path: '/manage/api-keys/{apiKeyId}',
    tag: 'Management keys',
    summary: 'Revoke a management key, from the next request on (root key only)',
    security: 'rootKey',
    success: { status: 204, description: 'Revoked' },
    errors: [...MANAGE, 'api_key_not_found'],
  },
  {
    operationId: 'getCaller',
    method: 'get',
    path: '/manage/me',
    tag: 'Management keys',
    summary: 'Who the presented key is',
    security: 'manageKey',
    success: { status: 200, description: 'The root key, or a scoped key and its scope', schema: 'CallerEnvelope' },
    errors: ANY_KEY,
  },
  {
    operationId: 'listProjects',
    method: 'get',
    path: '/manage/projects',
    tag: 'Management keys',
    summary: 'The tenants and projects that have apps and that the key may reach',
    security: 'manageKey',
    parameters: ['TenantIdFilter'],
    success: { status: 200, description: 'Projects, by tenant then project', schema: 'ProjectList' },
    errors: ANY_KEY,
  },
  {
    operationId: 'listTenantAuditEvents',
    method: 'get',
    path: '/manage/tenants/{tenantId}/audit-events',
    tag: 'Audit events',
    summary: "A tenant's audit events, newest first (a project key: its project's)",
    security: 'manageKey',
    parameters: ['AuditLimit', 'AuditCursor', 'AuditAppId', 'AuditAction'],
    success: { status: 200, description: 'One page of events', schema: 'AuditEventPage' },
    errors: MANAGE,
  },
  {
    operationId: 'listAuditEvents',
    method: 'get',
    path: '/manage/audit-events',
    tag: 'Audit events',
    summary: 'Every audit event, signing-key events included, newest first (root key only)',
    security: 'rootKey',
    parameters: ['AuditLimit', 'AuditCursor', 'AuditAppId', 'AuditAction'],
    success: { status: 200, description: 'One page of events', schema: 'AuditEventPage' },
    errors: MANAGE,
  },
  {
    operationId: 'getPowChallenge',
    method: 'get',
    path: '/run/auth/pow/challenge',
    tag: 'Sessions',
    summary: 'Get a proof-of-work challenge (altcha v1), bound to an app when appId is given',
    security: 'public',
    parameters: ['ChallengeAppId'],
    success: { status: 200, description: 'A challenge to solve', schema: 'PowChallenge' },
    errors: [...RUN, 'validation_failed', 'pow_disabled'],
  },
  preflight('preflightPowChallenge', '/run/auth/pow/challenge'),
  {
    operationId: 'createAnonymousSession',
    method: 'post',
    path: `${RUN_APPS}/anonymous-session`,
    tag: 'Sessions',
    summary: 'Issue an anonymous session, or refresh one (same userId) sent as the bearer',
    security: 'optionalSessionToken',
    parameters: ['Origin', 'ChallengeSolution', 'InkeepChallengeSolution'],
    success: { status: 200, description: 'A session', schema: 'AnonymousSession' },
    rateLimited: true,
    errors: [...RUN_APP, 'anonymous_disabled', 'origin_not_allowed', 'rate_limited', ...POW],
  },
  preflight('preflightAnonymousSession', `${RUN_APPS}/anonymous-session`),
  {
    operationId: 'createSession',
    method: 'post',
    path: `${RUN_APPS}/session`,
    tag: 'Sessions',
    summary: 'Exchange a customer-signed JWT for a session (or fall back to an anonymous one)',
    security: 'customerJwt',
    parameters: ['Origin', 'ChallengeSolution', 'InkeepChallengeSolution'],
    success: { status: 200, description: 'An authenticated session, or an anonymous one with fallbackReason', schema: 'Session' },
    rateLimited: true,
    errors: [...RUN_APP, 'origin_not_allowed', 'rate_limited', 'token_required', 'invalid_token', 'claims_too_large', ...POW],
  },
  {
    operationId: 'introspectSession',
    method: 'get',
    path: `${RUN_APPS}/session`,
    tag: 'Sessions',
    summary: 'Check a session token (for the widget backend)',
    security: 'sessionToken',
    success: { status: 200, description: 'Who the session is, and the app configuration the widget needs', schema: 'Introspection' },
    errors: [...RUN_APP, 'invalid_token', 'anonymous_disabled'],
  },
  preflight('preflightSession', `${RUN_APPS}/session`),
  {
    operationId: 'getJwks',
    method: 'get',
    path: '/.well-known/jwks.json',
    tag: 'Signing keys',
    summary: 'The public keys that verify session tokens',
    security: 'public',
    success: { status: 200, description: 'JWKS; cache it for the max-age given', schema: 'Jwks' },
    errors: [...OPS, 'service_unavailable'],
  },
  {
    operationId: 'getHealth',
    method: 'get',
    path: '/healthz',
    tag: 'Operations',
    summary: 'Liveness: the process answers (no I/O)',
    security: 'public',
    success: { status: 200, description: 'Alive', schema: 'Health' },
    errors: OPS,
  },
  {
    operationId: 'getReadiness',
    method: 'get',
    path: '/readyz',
    tag: 'Operations',
    summary: 'Readiness: the database answers and is the one the service opened',
    security: 'public',
    success: { status: 200, description: 'Ready', schema: 'Readiness' },
    errors: [...OPS, 'service_unavailable'],
  },
  {
    operationId: 'getOpenApi',
    method: 'get',
    path: '/openapi.json',
    tag: 'Operations',
    summary: 'This document',
    security: 'public',
    success: { status: 200, description: 'OpenAPI 3.1' },
    errors: OPS,
  },
  {
    operationId: 'getMetrics',
    method: 'get',
    path: '/metrics',
    tag: 'Operations',
    summary: 'Prometheus metrics (404 when METRICS_ENABLED=false)',
    security: 'metricsToken',
    success: { status: 200, description: 'Prometheus text exposition format 0.0.4' },
    errors: [...OPS, 'unauthorized', 'not_found'],
  },
];

const templates = OPERATIONS.map((operation) => ({
  operation,
  pattern: new RegExp(`^${operation.path.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

/** The operation a request is for (HEAD is GET's), or undefined when no operation serves its path and method. */
export function findOperation(method: string, path: string): Operation | undefined {
  const wanted = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
  return templates.find(({ operation, pattern }) => operation.method === wanted && pattern.test(path))?.operation;
}

/** Whether any operation serves `path`, whatever the method. */
export function isDocumentedPath(path: string): boolean {
  return templates.some(({ pattern }) => pattern.test(path));
}
