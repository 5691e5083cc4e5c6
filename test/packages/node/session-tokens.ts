// Session tokens from a live latchkey, got the way a widget gets them (§3.2, §3.3).
import { SignJWT } from 'jose';
import { ecKey } from '../../support/keys.js';
import { encodeSolution, solve } from '../../support/run-api.js';
import type { LiveService } from '../../support/live-service.js';

export const SITE = 'https://docs.example.com';

/** An anonymous session of the app, solving the service's proof of work when it asks. */
export async function anonymousSession(service: LiveService, appId: string) {
  const post = (headers: Record<string, string> = {}) =>
    fetch(`${service.url}/run/auth/apps/${appId}/anonymous-session`, { method: 'POST', headers: { Origin: SITE, ...headers } });
  let res = await post();
  if (res.status === 400 && ((await res.clone().json()) as { error: { code: string } }).error.code === 'pow_required') {
    const challenge = (await (await fetch(`${service.url}/run/auth/pow/challenge?appId=${appId}`)).json()) as Parameters<
      typeof solve
    >[0];
    res = await post({ 'X-Challenge-Solution': encodeSolution(await solve(challenge)) });
  }
  if (res.status !== 200) throw new Error(`anonymous session: ${res.status} ${await res.text()}`);
  return (await res.json()) as { token: string; userId: string; expiresAt: string };
}

/** Uploads an ES256 customer key to the app and signs in as `sub` with `claims`. */
export async function signedInSession(service: LiveService, appId: string, sub: string, claims: Record<string, unknown>) {
  const key = ecKey('P-256');
  const keys = await service.manage<{ data: { kid: string }[] }>('GET', `/manage/tenants/t1/projects/p1/apps/${appId}/auth-keys`);
  if (!keys.data.some((k) => k.kid === 'customer-es256')) {
    await service.manage('POST', `/manage/tenants/t1/projects/p1/apps/${appId}/auth-keys`, {
      kid: 'customer-es256',
      algorithm: 'ES256',
      publicKey: key.publicPem,
    });
  }
  const now = Math.floor(service.clock.now() / 1000);
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'customer-es256' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(key.privateKey);
  const res = await fetch(`${service.url}/run/auth/apps/${appId}/session`, {
    method: 'POST',
    headers: { Origin: SITE, Authorization: `Bearer ${jwt}` },
  });
  if (res.status !== 200) throw new Error(`sign-in: ${res.status} ${await res.text()}`);
  return (await res.json()) as { token: string; userId: string; expiresAt: string; authMethod: string };
}
