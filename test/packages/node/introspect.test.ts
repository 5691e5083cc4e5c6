// introspect (§6, §3.4): the online check, which sees what an offline verifier
// cannot — an app deleted, a token of another app — and reports the service's own code.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect, LatchkeyIntrospectError } from '../../../packages/node/src/index.js';
import { startLatchkey, type LiveService } from '../../support/live-service.js';
import { anonymousSession, signedInSession } from './session-tokens.js';

let service: LiveService;
let appId: string;

beforeAll(async () => {
  service = await startLatchkey();
  appId = (await service.createApp()).id;
});
afterAll(() => service.close());

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LatchkeyIntrospectError);
  return error as LatchkeyIntrospectError;
}

describe('introspect', () => {
  it('resolves the service’s answer for a live session, with the widget’s configuration', async () => {
    const session = await signedInSession(service, appId, 'user-7', { plan: 'team' });
    const answer = await introspect({ baseUrl: `${service.url}/`, appId, token: session.token });
    expect(answer).toMatchObject({
      userId: 'user-7',
      authMethod: 'authenticated',
      appId,
      tenantId: 't1',
      projectId: 'p1',
      defaultAgentId: 'agent-1',
      prompt: 'Be concise.',
      verifiedClaims: { plan: 'team' },
      expiresAt: session.expiresAt,
    });
    // §3.4's sessionId arrives with the revocation work; when present it is the token's jti.
    if ('sessionId' in answer) expect(answer.sessionId).toBe(decodeJwt(session.token).jti);
  });

  it('rejects with invalid_token for another app’s token', async () => {
    const other = await service.createApp({ name: 'Other' });
    const session = await anonymousSession(service, other.id);
    const error = await refusal(introspect({ baseUrl: service.url, appId, token: session.token }));
    expect(error.code).toBe('invalid_token');
    expect(error.status).toBe(401);
  });

  it('rejects with app_not_found once the app is deleted', async () => {
    const doomed = await service.createApp({ name: 'Doomed' });
    const session = await anonymousSession(service, doomed.id);
    await service.manage('DELETE', `/manage/tenants/t1/projects/p1/apps/${doomed.id}`);
    const error = await refusal(introspect({ baseUrl: service.url, appId: doomed.id, token: session.token }));
    expect(error.code).toBe('app_not_found');
    expect(error.status).toBe(404);
  });

  it('rejects with network_error when the service cannot be reached', async () => {
    const down = await startLatchkey();
    await down.close();
    const error = await refusal(introspect({ baseUrl: down.url, appId, token: 'x' }));
    expect(error.code).toBe('network_error');
  });
});
