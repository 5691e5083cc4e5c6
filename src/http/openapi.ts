// GET /openapi.json (contract §3.6): OpenAPI 3.1, built from the operation
// table (./operations.ts: paths, security, and the error codes each operation
// can answer) and the zod schemas that validate requests (./openapi-schemas.ts).
import { AUDIT_ACTIONS } from '../audit/audit-event.js';
import { ERRORS, type ErrorCode } from '../errors.js';
import { OPERATIONS, type Operation, type ParameterName, type Security, type Tag } from './operations.js';
import { buildRequestSchemas, buildResponseSchemas, REQUEST_SCHEMAS, type RequestSchemaName } from './openapi-schemas.js';
import { PATH_PATTERNS } from './validation.js';

type Json = Record<string, unknown>;

const ref = (kind: 'schemas' | 'requestBodies' | 'parameters' | 'headers', name: string) => ({ $ref: `#/components/${kind}/${name}` });

const TAGS: Record<Tag, string> = {
  Apps: 'Apps of a tenant and project, and their allowed origins (management key).',
  'Customer keys': "Public keys that verify an app's customer-signed JWTs (management key).",
  Revocations: "Ending an app's sessions before they expire (management key).",
  'Management keys': 'Keys scoped to a tenant or a project, created by the root key; and who a key is.',
  'Audit events': 'Who changed what, from where: one event per successful management write.',
  Sessions: 'What widgets call: proof-of-work challenges and session tokens; and introspection for their backends.',
  'Signing keys': "The service's own keys: JWKS for verifying session tokens offline, and their rotation and revocation (root key).",
  Operations: 'Liveness, readiness, metrics and this document.',
};

const SECURITY: Record<Security, Json[]> = {
  manageKey: [{ rootKey: [] }, { scopedKey: [] }],
  rootKey: [{ rootKey: [] }],
  customerJwt: [{ customerJwt: [] }],
  sessionToken: [{ sessionToken: [] }],
  // No bearer: a new identity; a valid anonymous token of this app: the same userId.
  optionalSessionToken: [{}, { sessionToken: [] }],
  // Open unless METRICS_TOKEN is set.
  metricsToken: [{}, { metricsToken: [] }],
  public: [],
};

const PATH_PARAMETERS = { tenantId: 'TenantId', projectId: 'ProjectId', appId: 'AppId', kid: 'Kid', apiKeyId: 'ApiKeyId' } as const;

const pathParameter = (name: keyof typeof PATH_PARAMETERS) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: PATH_PATTERNS[name].source },
});

const PARAMETERS: Record<ParameterName | (typeof PATH_PARAMETERS)[keyof typeof PATH_PARAMETERS] | 'XRequestId', Json> = {
  TenantId: pathParameter('tenantId'),
  ProjectId: pathParameter('projectId'),
  AppId: pathParameter('appId'),
  Kid: pathParameter('kid'),
  ApiKeyId: pathParameter('apiKeyId'),
  Page: { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 } },
  Limit: { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } },
  TenantIdFilter: {
    name: 'tenantId',
    in: 'query',
    description: 'Only this tenant.',
    schema: { type: 'string', pattern: PATH_PATTERNS.tenantId.source },
  },
  AuditLimit: { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } },
  AuditCursor: { name: 'cursor', in: 'query', description: 'The nextCursor of the previous page.', schema: { type: 'string' } },
  AuditAppId: {
    name: 'appId',
    in: 'query',
    description: 'Only events of this app.',
    schema: { type: 'string', pattern: PATH_PATTERNS.appId.source },
  },
  AuditAction: { name: 'action', in: 'query', description: 'Only events of this action.', schema: { type: 'string', enum: [...AUDIT_ACTIONS] } },
  ChallengeAppId: {
    name: 'appId',
    in: 'query',
    description: 'Binds the challenge to this app.',
    schema: { type: 'string', pattern: PATH_PATTERNS.appId.source },
  },
  Origin: {
    name: 'Origin',
    in: 'header',
    required: true,
    description: "The page's origin, sent by the browser; must match the app's allowed domains.",
    schema: { type: 'string' },
  },
  ChallengeSolution: {
    name: 'X-Challenge-Solution',
    in: 'header',
    description: 'Base64 of the solved challenge, as JSON {algorithm, challenge, number, salt, signature}; required when proof of work is on.',
    schema: { type: 'string', maxLength: 4096 },
  },
  InkeepChallengeSolution: {
    name: 'X-Inkeep-Challenge-Solution',
    in: 'header',
    description: 'Alias of X-Challenge-Solution.',
    deprecated: true,
    schema: { type: 'string', maxLength: 4096 },
  },
  AccessControlRequestMethod: {
    name: 'Access-Control-Request-Method',
    in: 'header',
    description: 'Sent by browsers; without it the request is no preflight and answers 405.',
    schema: { type: 'string' },
  },
  AccessControlRequestHeaders: { name: 'Access-Control-Request-Headers', in: 'header', schema: { type: 'string' } },
  XRequestId: {
    name: 'X-Request-Id',
    in: 'header',
    description: 'Your id for this request, echoed in the response and in every log line of it.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  },
};

const HEADERS: Record<string, Json> = {
  XRequestId: {
    description: "The request's id: its own X-Request-Id when well-formed, else a new one. Every log line of the request carries it.",
    required: true,
    schema: { type: 'string' },
  },
  RetryAfter: { description: 'Seconds to wait before trying again.', required: true, schema: { type: 'integer', minimum: 1 } },
  WWWAuthenticate: { description: 'The scheme to authenticate with.', required: true, schema: { type: 'string', examples: ['Bearer realm="latchkey"'] } },
  Allow: { description: 'The methods this path serves.', required: true, schema: { type: 'string', examples: ['GET, POST, HEAD'] } },
  RateLimit: {
    description: 'draft-ietf-httpapi-ratelimit-headers: requests left in the window and seconds until it ends. Sent when rate limiting is on and the request reached the rate limit.',
    schema: { type: 'string', examples: ['"default";r=59;t=60'] },
  },
  RateLimitPolicy: {
    description: 'The limit: requests per 60-second window. Sent with RateLimit.',
    schema: { type: 'string', examples: ['"default";q=60;w=60'] },
  },
};

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': { description: 'The Origin of the request.', schema: { type: 'string' } },
  'Access-Control-Allow-Methods': { description: 'GET, POST, OPTIONS', schema: { type: 'string' } },
  'Access-Control-Allow-Headers': { description: 'The request headers a widget may send.', schema: { type: 'string' } },
  'Access-Control-Max-Age': { description: 'Seconds a browser may cache this answer.', schema: { type: 'integer' } },
};

function responseHeaders(operation: Operation, status: number, codes: readonly ErrorCode[] = []): Json {
  const headers: Json = { 'X-Request-Id': ref('headers', 'XRequestId') };
  if (status === 429 || status === 503) headers['Retry-After'] = ref('headers', 'RetryAfter');
  if (codes.includes('unauthorized')) headers['WWW-Authenticate'] = ref('headers', 'WWWAuthenticate');
  if (codes.includes('method_not_allowed')) headers.Allow = ref('headers', 'Allow');
  if (operation.rateLimited) {
    headers.RateLimit = ref('headers', 'RateLimit');
    headers['RateLimit-Policy'] = ref('headers', 'RateLimitPolicy');
  }
  if (operation.operationId === 'getJwks' && status === 200) {
    headers['Cache-Control'] = { description: 'public, max-age=…: how long verifiers may keep these keys.', schema: { type: 'string' } };
  }
  if (operation.method === 'options' && status === 204) Object.assign(headers, CORS_HEADERS);
  return headers;
}

function successResponse(operation: Operation): Json {
  const { status, description, schema } = operation.success;
  const content = schema
    ? { 'application/json': { schema: ref('schemas', schema) } }
    : operation.operationId === 'getOpenApi'
      ? { 'application/json': { schema: { type: 'object' } } }
      : operation.operationId === 'getMetrics'
        ? { 'text/plain': { schema: { type: 'string' } } }
        : undefined;
  return { description, headers: responseHeaders(operation, status), ...(content && { content }) };
}

/** One response per status, naming every code it can carry; its schema narrows `code` to exactly those. */
function errorResponses(operation: Operation): Json {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(operation.errors)) {
    const status = ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      status,
      {
        description: codes.map((code) => `\`${code}\`: ${ERRORS[code].message}`).join('\n'),
        headers: responseHeaders(operation, status, codes),
        content: {
          'application/json': {
            schema: {
              allOf: [
                ref('schemas', 'Error'),
                {
                  type: 'object',
                  required: ['error'],
                  properties: { error: { type: 'object', required: ['code'], properties: { code: { type: 'string', enum: codes } } } },
                },
              ],
            },
          },
        },
      },
    ]),
  );
}

/** components.requestBodies; a merge patch may also say so in its media type (§0). */
function requestBodies(): Record<RequestSchemaName, Json> {
  const schemas = buildRequestSchemas();
  const bodies = {} as Record<RequestSchemaName, Json>;
  for (const name of Object.keys(REQUEST_SCHEMAS) as RequestSchemaName[]) {
    const content: Json = { 'application/json': { schema: schemas[name] } };
    if (name === 'AppPatch') content['application/merge-patch+json'] = { schema: schemas[name] };
    // POST /manage/signing-keys/rotate with no body at all is a plain rotation.
    bodies[name] = { required: name !== 'SigningKeyRotate', content };
  }
  return bodies;
}

function operationObject(operation: Operation): Json {
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    tags: [operation.tag],
    security: SECURITY[operation.security],
    parameters: [...(operation.parameters ?? []), 'XRequestId'].map((name) => ref('parameters', name)),
    ...(operation.requestBody && { requestBody: ref('requestBodies', operation.requestBody) }),
    responses: {
      [operation.success.status]: successResponse(operation),
      ...errorResponses(operation),
    },
  };
}

function buildPaths(): Json {
  const paths: Record<string, Json> = {};
  for (const operation of OPERATIONS) {
    const names = [...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as keyof typeof PATH_PARAMETERS);
    paths[operation.path] ??= names.length ? { parameters: names.map((name) => ref('parameters', PATH_PARAMETERS[name])) } : {};
    paths[operation.path]![operation.method] = operationObject(operation);
  }
  return paths;
}

export function buildOpenApi() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'latchkey',
      version: '2.0.0',
      summary: 'App credentials for embedded widgets',
      description: [
        'Session tokens for browser widgets, anonymous or from a customer-signed JWT; the apps, allowed origins and customer keys behind them; JWKS and introspection for the widget backends.',
        '',
        'Every error is JSON: `{"error": {"code", "message", ...}}`; each operation lists the codes it can answer. A path the service does not serve answers 404 `not_found`; a method a path does not serve, 405 `method_not_allowed` with `Allow`. A request that fails below the application (malformed request line or headers, headers over 16 KiB, too slow) gets the same JSON shape where the connection still allows an answer. Every response carries `X-Request-Id`.',
      ].join('\n'),
    },
    servers: [{ url: '/', description: 'The service that serves this document' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths: buildPaths(),
    components: {
      securitySchemes: {
        rootKey: { type: 'http', scheme: 'bearer', description: 'The root management key (MANAGE_API_KEY): may do everything.' },
        scopedKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'A management key (lk_mgmt_…) scoped to one tenant, or one project of it: 403 forbidden anywhere else.',
        },
        customerJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "A JWT the customer's backend signed with a key uploaded for the app." },
        sessionToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A session token this service issued.' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when the operator set one.' },
      },
      parameters: PARAMETERS,
      headers: HEADERS,
      requestBodies: requestBodies(),
      schemas: buildResponseSchemas(),
    },
  };
}
