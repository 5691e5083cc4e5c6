// The named schemas of /openapi.json. Request bodies are the very zod schemas
// the routes validate with, read as input (defaults make a field optional),
// each one `#/components/requestBodies/<name>`; responses are schemas of what
// the handlers send, read as output, each `#/components/schemas/<name>` and
// referred to by that name wherever it appears.
import { z } from 'zod';
import { appResource, createAppBody, patchAppBody } from '../apps/app-schema.js';
import { auditEventResource } from '../audit/audit-event.js';
import { ERRORS } from '../errors.js';
import { addKeyBody, keyResource } from '../keys/key-schema.js';
import { apiKeyResource, createApiKeyBody } from '../manage/api-keys.js';
import { addRevocationBody, revocationResource } from '../revocations/revocation-schema.js';
import { rotateSigningKeyBody } from './routes/manage-signing-keys.js';
import { signingKeyResource } from '../signing/signing-key.js';

export const REQUEST_SCHEMAS = {
  AppCreate: createAppBody,
  AppPatch: patchAppBody,
  KeyCreate: addKeyBody,
  ApiKeyCreate: createApiKeyBody,
  RevocationCreate: addRevocationBody,
  SigningKeyRotate: rotateSigningKeyBody,
} as const;

// GET /manage/me and /manage/projects (§2.7), as src/http/routes/manage-me.ts answers them.
const caller = z.discriminatedUnion('type', [
  z.object({ type: z.literal('root') }),
  z.object({
    type: z.literal('api_key'),
    id: z.string(),
    name: z.string(),
    tenantId: z.string(),
    projectId: z.string().nullable(),
    expiresAt: z.iso.datetime().nullable(),
  }),
]);
const project = z.object({ tenantId: z.string(), projectId: z.string(), apps: z.number().int().describe('How many apps it holds.') });

const authMethod = z.enum(['anonymous', 'authenticated']);
const claims = z.record(z.string(), z.unknown()).describe('The verified claims of the customer JWT ({} when none).');

const anonymousSession = z.object({
  token: z.string().describe('The session token (a JWT); send it as the bearer to refresh.'),
  expiresAt: z.iso.datetime(),
  userId: z.string().describe('anon_<uuid>; kept across refreshes.'),
});

const session = z.object({
  token: z.string(),
  expiresAt: z.iso.datetime(),
  userId: z.string(),
  authMethod,
  verifiedClaims: claims.optional().describe('Present when authMethod is authenticated.'),
  fallbackReason: z.string().optional().describe('Why the customer JWT was refused, when the answer fell back to an anonymous session.'),
});

const introspection = z.object({
  userId: z.string(),
  authMethod,
  appId: z.string(),
  tenantId: z.string(),
  projectId: z.string(),
  defaultAgentId: z.string().nullable(),
  prompt: z.string().nullable(),
  verifiedClaims: claims,
  expiresAt: z.iso.datetime(),
  sessionId: z.string().describe("The token's jti: revoke this one session with it."),
});

const powChallenge = z.object({
  algorithm: z.literal('SHA-256'),
  challenge: z.string(),
  maxnumber: z.number().int(),
  salt: z.string(),
  signature: z.string(),
  expiresAt: z.iso.datetime(),
});

const jwk = z.object({
  kty: z.string(),
  crv: z.string(),
  x: z.string(),
  y: z.string().optional(),
  kid: z.string(),
  alg: z.string(),
  use: z.literal('sig'),
});

const errorBody = z.object({
  error: z.looseObject({
    code: z.enum(Object.keys(ERRORS) as [keyof typeof ERRORS, ...(keyof typeof ERRORS)[]]),
    message: z.string().describe('For people; generic for 5xx answers.'),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('validation_failed: what is wrong, where.'),
    reason: z.string().optional().describe('invalid_token, claims_too_large: why the token was refused.'),
  }),
});

export const RESPONSE_SCHEMAS = {
  App: appResource,
  AppEnvelope: z.object({ data: appResource }),
  AppList: z.object({
    data: z.array(appResource),
    pagination: z.object({ page: z.number().int(), limit: z.number().int(), total: z.number().int() }),
  }),
  Key: keyResource,
  Revocation: revocationResource,
  RevocationEnvelope: z.object({ data: revocationResource }),
  RevocationList: z.object({ data: z.array(revocationResource) }),
  SigningKey: signingKeyResource,
  SigningKeyEnvelope: z.object({ data: signingKeyResource }),
  SigningKeyList: z.object({ data: z.array(signingKeyResource) }),
  ApiKey: apiKeyResource,
  ApiKeyCreated: z.object({ data: apiKeyResource, secret: z.string().describe('lk_mgmt_…: shown this once; only its hash is stored.') }),
  ApiKeyList: z.object({ data: z.array(apiKeyResource) }),
  CallerEnvelope: z.object({ data: caller }),
  ProjectList: z.object({ data: z.array(project) }),
  AuditEvent: auditEventResource,
  AuditEventPage: z.object({
    data: z.array(auditEventResource),
    nextCursor: z.string().nullable().describe('Send it back as cursor for the next page; null on the last page.'),
  }),
  KeyEnvelope: z.object({ data: keyResource }),
  KeyList: z.object({ data: z.array(keyResource) }),
  PowChallenge: powChallenge,
  AnonymousSession: anonymousSession,
  Session: session,
  Introspection: introspection,
  Jwk: jwk,
  Jwks: z.object({ keys: z.array(jwk) }),
  Health: z.object({ status: z.literal('ok') }),
  Readiness: z.object({ status: z.literal('ready') }),
  Error: errorBody,
} as const;

export type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;
export type ResponseSchemaName = keyof typeof RESPONSE_SCHEMAS;

type JsonSchema = Record<string, unknown>;

function componentSchemas(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: out } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    uri: (id) => `#/components/schemas/${id}`,
    override({ jsonSchema }) {
      // zod spells date-time out as a 400-character regex as well; the format says it.
      if (jsonSchema.format === 'date-time') delete jsonSchema.pattern;
    },
  });
  // `$id` and `$schema` would make each component a resource of its own; OpenAPI 3.1 says the dialect once.
  return Object.fromEntries(Object.entries(out).map(([id, { $id: _id, $schema: _schema, ...rest }]) => [id, rest]));
}

/** components.schemas: what the service answers, read as output. */
export const buildResponseSchemas = () => componentSchemas(RESPONSE_SCHEMAS, 'output');

/**
 * Request bodies, read as input: a field with a default may be left out. They
 * live under components.requestBodies rather than components.schemas, where
 * client generators (openapi-typescript) take a `default` to mean "always
 * present", as it is in a response.
 */
export const buildRequestSchemas = () => componentSchemas(REQUEST_SCHEMAS, 'input') as Record<RequestSchemaName, JsonSchema>;
