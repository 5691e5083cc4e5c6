// What a team that only has /openapi.json does: generate types with
// openapi-typescript (into ./generated/, by test/http/openapi-client.test.ts)
// and call latchkey through openapi-fetch. This file must typecheck against
// those types (the test runs tsc on it), and then runs against a live service.
import createClient from 'openapi-fetch';
import type { paths } from './generated/latchkey-api.js';

const APPS = '/manage/tenants/{tenantId}/projects/{projectId}/apps';
const APP = '/manage/tenants/{tenantId}/projects/{projectId}/apps/{appId}';

export type LatchkeyClient = ReturnType<typeof createClient<paths>>;

export function latchkeyClient(baseUrl: string): LatchkeyClient {
  return createClient<paths>({ baseUrl });
}

/** Create an app, upload no key, read the app and its keys back, get a session and check it, read JWKS. */
export async function walkThrough(client: LatchkeyClient, manageKey: string) {
  const headers = { Authorization: `Bearer ${manageKey}` };
  const scope = { tenantId: 'acme', projectId: 'docs' };

  const created = await client.POST(APPS, {
    params: { path: scope },
    headers,
    body: { name: 'Docs Chat', defaultAgentId: 'agent-1', config: { webClient: { allowedDomains: ['docs.example.com'] } } },
  });
  if (!created.data) throw new Error(`createApp: ${created.response.status}`);
  const app = created.data.data;

  const fetched = await client.GET(APP, { params: { path: { ...scope, appId: app.id } }, headers });
  const keys = await client.GET(`${APP}/auth-keys`, { params: { path: { ...scope, appId: app.id } }, headers });

  const session = await client.POST('/run/auth/apps/{appId}/anonymous-session', {
    params: { path: { appId: app.id }, header: { Origin: 'https://docs.example.com' } },
  });
  if (!session.data) throw new Error(`createAnonymousSession: ${session.response.status}`);
  const introspected = await client.GET('/run/auth/apps/{appId}/session', {
    params: { path: { appId: app.id } },
    headers: { Authorization: `Bearer ${session.data.token}` },
  });

  const jwks = await client.GET('/.well-known/jwks.json');

  // An error is typed too: its code is one of those the operation documents.
  const missing = await client.GET(APP, { params: { path: { ...scope, appId: 'app_doesnotexist0' } }, headers });
  type GetAppCode = NonNullable<typeof missing.error>['error']['code'];
  const missingCode: GetAppCode | undefined = missing.error?.error.code;
  // @ts-expect-error getApp never answers kid_conflict
  const impossible: GetAppCode = 'kid_conflict';
  void impossible;

  return {
    app,
    fetched: fetched.data?.data,
    keys: keys.data?.data,
    session: session.data,
    introspected: introspected.data,
    jwks: jwks.data,
    missing: { status: missing.response.status, code: missingCode },
  };
}

/** Never called: mistakes the generated types refuse before any request is sent (tsc fails if one compiles). */
export function mistakes(client: LatchkeyClient) {
  const scope = { tenantId: 'acme', projectId: 'docs' };
  // @ts-expect-error an app needs a name
  void client.POST(APPS, { params: { path: scope }, body: { config: { webClient: { allowedDomains: ['a.example'] } } } });
  // @ts-expect-error enabled is a boolean
  void client.PATCH(APP, { params: { path: { ...scope, appId: 'app_x' } }, body: { enabled: 'yes' } });
  // @ts-expect-error no such route
  void client.GET('/manage/apps');
  // @ts-expect-error a session request says which app it is for
  void client.POST('/run/auth/apps/{appId}/anonymous-session', { params: { header: { Origin: 'https://a.example' } } });
  // @ts-expect-error sessions are asked for with POST
  void client.GET('/run/auth/apps/{appId}/anonymous-session', { params: { path: { appId: 'app_x' } } });
}
