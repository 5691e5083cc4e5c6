// Contract §3.6: GET /openapi.json is OpenAPI 3.1 built from the schemas that
// validate, with named components and, per operation, the error codes it can
// really answer. That last part is checked by every HTTP test of the suite
// (test/support/observed-errors.ts); here: the document's shape, the routes it
// names, and a standard linter's verdict.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/errors.js';
import { CUSTOMER_ALGORITHMS } from '../../src/keys/algorithms.js';
import { renderApiReference } from '../../scripts/api-reference.js';
import { auth, createTestApp, makeHarness, type Harness } from '../support/harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const METHODS = ['get', 'post', 'patch', 'delete', 'options'] as const;

type Doc = {
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, any>; requestBodies: Record<string, any> };
  [key: string]: any;
};

let h: Harness;
let doc: Doc;

beforeAll(async () => {
  h = await makeHarness();
  const res = await h.http.get('/openapi.json').expect(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  doc = res.body;
});

function operations() {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ path, method, operation: item[method] })),
  );
}

/** The JSON schema of an operation's request body, its `$ref` followed. */
const requestSchema = (operation: { requestBody: { $ref: string } }) =>
  doc.components.requestBodies[operation.requestBody.$ref.replace('#/components/requestBodies/', '')].content['application/json'].schema;

describe('/openapi.json', () => {
  it('answers each operation with the statuses listed here (the API at a glance; docs/api.md has the codes)', () => {
    const summary = operations().map(
      ({ path, method, operation }) => `${operation.operationId} ${method.toUpperCase()} ${path}: ${Object.keys(operation.responses).join(' ')}`,
    );
    expect(summary).toMatchInlineSnapshot(`
      [
        "listApps GET /manage/tenants/{tenantId}/projects/{projectId}/apps: 200 400 401 403 413 415 429 503",
        "createApp POST /manage/tenants/{tenantId}/projects/{projectId}/apps: 201 400 401 403 413 415 429 503",
        "getApp GET /manage/tenants/{tenantId}/projects/{projectId}/apps/{appId}: 200 400 401 403 404 413 415 429 503",
        "updateApp PATCH /manage/tenants/{tenantId}/projects/{projectId}/apps/{appId}: 200 400 401 403 404 413 415 429 503",
        "deleteApp DELETE /manage/tenants/{tenantId}/projects/{projectId}/apps/{appId}: 204 400 401 403 404 413 415 429 503",
        "listAuthKeys GET /manage/tenants/{tenantId}/projects/{projectId}/apps/{appId}/auth-keys: 200 400 401 403 404 413 415 429 503",
        "addAuthKey POST /manage/tenants/{tenantId}/projects/{projectId}/apps/{appId}/auth-keys: 201 400 401 403 404 409 413 415 429 503",
        "deleteAuthKey DELETE /manage/tenants/{tenantId}/projects/{projectId}/apps/{appId}/auth-keys/{kid}: 204 400 401 403 404 413 415 429 503",
        "listRevocations GET /manage/tenants/{tenantId}/projects/{projectId}/apps/{appId}/revocations: 200 400 401 403 404 413 415 429 503",
        "revokeSessions POST /manage/tenants/{tenantId}/projects/{projectId}/apps/{appId}/revocations: 201 400 401 403 404 409 413 415 429 503",
        "listSigningKeys GET /manage/signing-keys: 200 400 401 403 413 415 429 503",
        "rotateSigningKey POST /manage/signing-keys/rotate: 201 400 401 403 413 415 429 503",
        "revokeSigningKey POST /manage/signing-keys/{kid}/revoke: 200 400 401 403 404 413 415 429 503",
        "listApiKeys GET /manage/api-keys: 200 400 401 403 413 415 429 503",
        "createApiKey POST /manage/api-keys: 201 400 401 403 413 415 429 503",
        "revokeApiKey DELETE /manage/api-keys/{apiKeyId}: 204 400 401 403 404 413 415 429 503",
        "getCaller GET /manage/me: 200 400 401 413 415 429 503",
        "listProjects GET /manage/projects: 200 400 401 413 415 429 503",
        "listTenantAuditEvents GET /manage/tenants/{tenantId}/audit-events: 200 400 401 403 413 415 429 503",
        "listAuditEvents GET /manage/audit-events: 200 400 401 403 413 415 429 503",
        "getPowChallenge GET /run/auth/pow/challenge: 200 400 404 413 415 503",
        "preflightPowChallenge OPTIONS /run/auth/pow/challenge: 204 405",
        "createAnonymousSession POST /run/auth/apps/{appId}/anonymous-session: 200 400 401 403 404 413 415 429 503",
        "preflightAnonymousSession OPTIONS /run/auth/apps/{appId}/anonymous-session: 204 405",
        "introspectSession GET /run/auth/apps/{appId}/session: 200 400 401 404 413 415 503",
        "createSession POST /run/auth/apps/{appId}/session: 200 400 401 403 404 413 415 429 503",
        "preflightSession OPTIONS /run/auth/apps/{appId}/session: 204 405",
        "getJwks GET /.well-known/jwks.json: 200 415 503",
        "getHealth GET /healthz: 200 415",
        "getReadiness GET /readyz: 200 415 503",
        "getOpenApi GET /openapi.json: 200 415",
        "getMetrics GET /metrics: 200 401 404 415",
      ]
    `);
  });

  it('is what docs/api.md, the reference in the repository, says', async () => {
    await expect(renderApiReference(doc as never)).toMatchFileSnapshot('../../docs/api.md');
  });

  it('is OpenAPI 3.1 with servers, tags, and an operationId, tag and security on every operation', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const tags = doc.tags.map((tag: { name: string }) => tag.name);
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { operation } of operations()) {
      expect(operation.operationId).toMatch(/^[a-z][A-Za-z]+$/);
      expect(tags).toEqual(expect.arrayContaining(operation.tags));
      expect(Array.isArray(operation.security)).toBe(true);
    }
  });

  it('says which operations are public, and which need which bearer', () => {
    const security = Object.fromEntries(operations().map(({ operation }) => [operation.operationId, operation.security]));
    expect(security.createApp).toEqual([{ rootKey: [] }, { scopedKey: [] }]);
    expect(security.createApiKey).toEqual([{ rootKey: [] }]);
    expect(security.createSession).toEqual([{ customerJwt: [] }]);
    expect(security.introspectSession).toEqual([{ sessionToken: [] }]);
    // A refresh sends the earlier token; a first request sends none.
    expect(security.createAnonymousSession).toEqual([{}, { sessionToken: [] }]);
    for (const id of ['getJwks', 'getHealth', 'getReadiness', 'getOpenApi', 'getPowChallenge']) expect(security[id]).toEqual([]);
  });

  it('names its schemas and refers to them', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['App', 'Key', 'AnonymousSession', 'Session', 'Introspection', 'PowChallenge', 'Jwks', 'Error']),
    );
    expect(Object.keys(doc.components.requestBodies)).toEqual(['AppCreate', 'AppPatch', 'KeyCreate', 'ApiKeyCreate', 'RevocationCreate', 'SigningKeyRotate']);
    const createApp = doc.paths['/manage/tenants/{tenantId}/projects/{projectId}/apps']!.post;
    expect(createApp.requestBody).toEqual({ $ref: '#/components/requestBodies/AppCreate' });
    expect(createApp.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/AppEnvelope' });
    expect(doc.components.schemas.AppEnvelope.properties.data).toEqual({ $ref: '#/components/schemas/App' });
  });

  it('documents the same request rules the API enforces (they are the same zod schemas)', () => {
    const body = (path: string) => requestSchema(doc.paths[path]!.post);
    const createApp = body('/manage/tenants/{tenantId}/projects/{projectId}/apps');
    expect(createApp.additionalProperties).toBe(false);
    expect(createApp.properties.prompt).toMatchObject({ anyOf: expect.arrayContaining([expect.objectContaining({ maxLength: 10_000 })]) });
    expect(createApp.properties.config.properties.webClient.properties.allowedDomains).toMatchObject({ minItems: 1, maxItems: 50 });
    // A field with a default is optional to send.
    expect(createApp.required).toEqual(['name', 'config']);
    const addKey = body('/manage/tenants/{tenantId}/projects/{projectId}/apps/{appId}/auth-keys');
    expect(addKey.additionalProperties).toBe(false);
    expect(addKey.properties.algorithm.enum).toEqual([...CUSTOMER_ALGORITHMS]);
  });

  it('lists per status the codes of src/errors.ts with that status, and narrows the schema to them', () => {
    for (const { operation } of operations()) {
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        if (Number(status) < 400) continue;
        const codes: string[] = response.content['application/json'].schema.allOf[1].properties.error.properties.code.enum;
        expect(codes.length).toBeGreaterThan(0);
        for (const code of codes) {
          expect(ERRORS, `${operation.operationId}: ${code}`).toHaveProperty(code);
          expect(ERRORS[code as keyof typeof ERRORS].status).toBe(Number(status));
          expect(response.description).toContain(`\`${code}\``);
        }
      }
    }
  });

  it('carries the response headers clients rely on', () => {
    const byId = Object.fromEntries(operations().map(({ operation }) => [operation.operationId, operation]));
    const headers = (id: string, status: number) => Object.keys(byId[id].responses[status].headers);
    expect(headers('createApp', 401)).toEqual(expect.arrayContaining(['WWW-Authenticate', 'X-Request-Id']));
    expect(headers('createApp', 429)).toContain('Retry-After');
    expect(headers('getReadiness', 503)).toContain('Retry-After');
    expect(headers('createAnonymousSession', 200)).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy']));
    expect(headers('createAnonymousSession', 429)).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy', 'Retry-After']));
    expect(headers('preflightSession', 405)).toContain('Allow');
    for (const { operation } of operations()) {
      for (const response of Object.values<any>(operation.responses)) expect(response.headers).toHaveProperty('X-Request-Id');
    }
  });

  it('names routes the service serves, and only the methods it serves on them', async () => {
    const app = await createTestApp(h);
    const concrete = (path: string) =>
      path.replace('{tenantId}', app.tenantId).replace('{projectId}', app.projectId).replace('{appId}', app.id).replace('{kid}', 'k1').replace('{apiKeyId}', 'key_0123456789');
    for (const [path, item] of Object.entries(doc.paths)) {
      const url = concrete(path);
      for (const method of METHODS.filter((m) => item[m])) {
        const request = h.http[method === 'delete' ? 'delete' : method](url).set(auth).set('Origin', 'https://docs.example.com');
        if (method === 'options') request.set('Access-Control-Request-Method', 'POST');
        const res = await request;
        expect([404, 405].includes(res.status) && ['not_found', 'method_not_allowed'].includes(res.body?.error?.code), `${method} ${path}`).toBe(false);
      }
      const served = METHODS.filter((m) => m !== 'options' && item[m]).map((m) => m.toUpperCase());
      if (served.includes('GET')) served.push('HEAD');
      const res = await h.http.put(url).set(auth);
      expect(res.status, `PUT ${path}`).toBe(405);
      expect(res.headers.allow!.split(/,\s*/).sort(), path).toEqual(served.sort());
    }
  });

  it('passes @redocly/cli lint with the recommended rules: no error, no warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(doc));
      const result = spawnSync(
        process.execPath,
        [join(ROOT, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format=json'],
        {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 60_000,
          // Offline: no usage data, no update check (redocly.yaml also turns telemetry off).
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
        },
      );
      expect(result.error).toBeUndefined();
      const report = JSON.parse(result.stdout);
      const problems = report.problems.map((p: { ruleId: string; message: string; location: { pointer: string }[] }) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
      expect(problems).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
