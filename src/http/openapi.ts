// OpenAPI 3.1 document, generated from the zod schemas that validate requests
// (zod's own JSON Schema output, draft 2020-12 as OpenAPI 3.1 uses).
import { z } from 'zod';
import { appResource, createAppBody, patchAppBody } from '../apps/app-schema.js';
import { ERRORS } from '../errors.js';
import { addKeyBody, keyResource } from '../keys/key-schema.js';
import { addRevocationBody, revocationResource } from '../revocations/revocation-schema.js';
import { PATH_PATTERNS } from './validation.js';

const input = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
const output = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' });

const errorSchema = output(
  z.object({
    error: z.looseObject({ code: z.enum(Object.keys(ERRORS) as [string, ...string[]]), message: z.string() }),
  }),
);

const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const ok = (status: number, description: string, schema?: unknown) => ({
  [status]: schema ? { description, ...json(schema) } : { description },
});
const errors = (...codes: (keyof typeof ERRORS)[]) =>
  Object.fromEntries(
    [...new Set(codes.map((code) => ERRORS[code].status))].map((status) => [
      status,
      { description: codes.filter((c) => ERRORS[c].status === status).join(', '), ...json(errorSchema) },
    ]),
  );

const param = (name: keyof typeof PATH_PATTERNS) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: PATH_PATTERNS[name].source },
});
const scope = [param('tenantId'), param('projectId')];
const bearer = [{ manageKey: [] }];

export const sessionResponse = z.object({
  token: z.string(),
  expiresAt: z.iso.datetime(),
  userId: z.string(),
  authMethod: z.enum(['anonymous', 'authenticated']).optional(),
  verifiedClaims: z.record(z.string(), z.unknown()).optional(),
  fallbackReason: z.string().optional(),
});

const introspection = z.object({
  userId: z.string(),
  authMethod: z.enum(['anonymous', 'authenticated']),
  appId: z.string(),
  tenantId: z.string(),
  projectId: z.string(),
  defaultAgentId: z.string().nullable(),
  prompt: z.string().nullable(),
  verifiedClaims: z.record(z.string(), z.unknown()),
  expiresAt: z.iso.datetime(),
  sessionId: z.string(),
});

const challenge = z.object({
  algorithm: z.literal('SHA-256'),
  challenge: z.string(),
  maxnumber: z.number().int(),
  salt: z.string(),
  signature: z.string(),
  expiresAt: z.iso.datetime(),
});

const runHeaders = [
  { name: 'Origin', in: 'header', required: true, schema: { type: 'string' } },
  { name: 'X-Challenge-Solution', in: 'header', required: false, schema: { type: 'string', maxLength: 4096 } },
];

export function buildOpenApi() {
  const appsPath = '/manage/tenants/{tenantId}/projects/{projectId}/apps';
  return {
    openapi: '3.1.0',
    info: {
      title: 'latchkey',
      version: '1.0.0',
      description: 'App credentials for embedded widgets: sessions, customer keys, JWKS and introspection.',
    },
    components: {
      securitySchemes: {
        manageKey: { type: 'http', scheme: 'bearer', description: 'MANAGE_API_KEY' },
        sessionToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
    paths: {
      [appsPath]: {
        get: {
          summary: 'List apps',
          security: bearer,
          parameters: [
            ...scope,
            { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } },
          ],
          responses: {
            ...ok(200, 'Apps, oldest first', output(z.object({ data: z.array(appResource), pagination: z.object({ page: z.number(), limit: z.number(), total: z.number() }) }))),
            ...errors('validation_failed', 'unauthorized'),
          },
        },
        post: {
          summary: 'Create an app',
          security: bearer,
          parameters: scope,
          requestBody: { required: true, ...json(input(createAppBody)) },
          responses: {
            ...ok(201, 'Created', output(z.object({ data: appResource }))),
            ...errors('validation_failed', 'invalid_json', 'unauthorized', 'payload_too_large', 'unsupported_media_type'),
          },
        },
      },
      [`${appsPath}/{appId}`]: {
        parameters: [...scope, param('appId')],
        get: {
          summary: 'Get an app',
          security: bearer,
          responses: { ...ok(200, 'The app', output(z.object({ data: appResource }))), ...errors('unauthorized', 'app_not_found') },
        },
        patch: {
          summary: 'Merge-patch an app',
          security: bearer,
          requestBody: { required: true, ...json(input(patchAppBody)) },
          responses: {
            ...ok(200, 'The updated app', output(z.object({ data: appResource }))),
            ...errors('validation_failed', 'unauthorized', 'app_not_found'),
          },
        },
        delete: {
          summary: 'Delete an app, its keys and its sessions',
          security: bearer,
          responses: { ...ok(204, 'Deleted'), ...errors('unauthorized', 'app_not_found') },
        },
      },
      [`${appsPath}/{appId}/auth-keys`]: {
        parameters: [...scope, param('appId')],
        get: {
          summary: 'List customer public keys, oldest first',
          security: bearer,
          responses: { ...ok(200, 'Keys', output(z.object({ data: z.array(keyResource) }))), ...errors('unauthorized', 'app_not_found') },
        },
        post: {
          summary: 'Upload a customer public key (at most 5 per app)',
          security: bearer,
          requestBody: { required: true, ...json(input(addKeyBody)) },
          responses: {
            ...ok(201, 'Stored', output(z.object({ data: keyResource }))),
            ...errors('validation_failed', 'invalid_public_key', 'unauthorized', 'app_not_found', 'kid_conflict', 'key_limit_reached'),
          },
        },
      },
      [`${appsPath}/{appId}/auth-keys/{kid}`]: {
        parameters: [...scope, param('appId'), param('kid')],
        delete: {
          summary: 'Delete a customer public key',
          security: bearer,
          responses: { ...ok(204, 'Deleted'), ...errors('unauthorized', 'app_not_found', 'key_not_found') },
        },
      },
      [`${appsPath}/{appId}/revocations`]: {
        parameters: [...scope, param('appId')],
        get: {
          summary: 'List session revocations, newest first',
          security: bearer,
          responses: {
            ...ok(200, 'Revocations', output(z.object({ data: z.array(revocationResource) }))),
            ...errors('unauthorized', 'app_not_found'),
          },
        },
        post: {
          summary: 'Revoke sessions: one (jti), a user (userId) or all issued before a time (issuedBefore)',
          security: bearer,
          requestBody: { required: true, ...json(input(addRevocationBody)) },
          responses: {
            ...ok(201, 'Revoked', output(z.object({ data: revocationResource }))),
            ...errors('validation_failed', 'unauthorized', 'app_not_found', 'revocation_limit_reached'),
          },
        },
      },
      '/run/auth/pow/challenge': {
        get: {
          summary: 'Get a proof-of-work challenge (altcha v1)',
          parameters: [{ name: 'appId', in: 'query', required: false, schema: { type: 'string', pattern: PATH_PATTERNS.appId.source } }],
          responses: { ...ok(200, 'A challenge', output(challenge)), ...errors('validation_failed', 'pow_disabled') },
        },
      },
      '/run/auth/apps/{appId}/anonymous-session': {
        parameters: [param('appId')],
        post: {
          summary: 'Issue or refresh an anonymous session',
          parameters: runHeaders,
          responses: {
            ...ok(200, 'A session', output(sessionResponse)),
            ...errors('app_not_found', 'anonymous_disabled', 'origin_not_allowed', 'rate_limited', 'pow_required', 'pow_malformed', 'pow_invalid', 'pow_expired', 'pow_replayed'),
          },
        },
      },
      '/run/auth/apps/{appId}/session': {
        parameters: [param('appId')],
        post: {
          summary: 'Exchange a customer-signed JWT for a session',
          parameters: runHeaders,
          security: [{ sessionToken: [] }],
          responses: {
            ...ok(200, 'A session', output(sessionResponse)),
            ...errors('token_required', 'invalid_token', 'claims_too_large', 'app_not_found', 'origin_not_allowed', 'rate_limited', 'pow_required', 'pow_invalid'),
          },
        },
        get: {
          summary: 'Introspect a session token',
          security: [{ sessionToken: [] }],
          responses: {
            ...ok(200, 'The session', output(introspection)),
            ...errors('invalid_token', 'anonymous_disabled', 'app_not_found'),
          },
        },
      },
      '/.well-known/jwks.json': {
        get: { summary: 'Public keys that verify session tokens', responses: ok(200, 'JWKS') },
      },
      '/healthz': { get: { summary: 'Liveness', responses: ok(200, 'Alive') } },
      '/readyz': { get: { summary: 'Readiness (database reachable)', responses: { ...ok(200, 'Ready'), ...errors('service_unavailable') } } },
    },
  };
}
