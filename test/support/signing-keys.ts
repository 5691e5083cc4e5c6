// Signing-key lifecycle steps as the command line makes them (actor `cli`),
// for tests that need a rotation or revocation without going through HTTP.
import type { WriteContext } from '../../src/audit/audit-event.js';
import type { Clock } from '../../src/clock.js';
import type { Config } from '../../src/config.js';
import { revokeSigningKey, rotateSigningKey } from '../../src/signing/lifecycle.js';
import type { Store } from '../../src/store/store.js';

export const cliContext = (clock: Clock): WriteContext => ({ actor: { type: 'cli' }, ip: null, requestId: null, clock });

type Service = { store: Store; clock: Clock; config: Config };

/** Rotates through `store` (the service's own, or another process's on the same database). */
export function rotate(svc: Service, options: { immediate?: boolean } = {}, store = svc.store) {
  return rotateSigningKey(store, cliContext(svc.clock), options, svc.config);
}

export function revoke(svc: Service, kid: string, store = svc.store) {
  return revokeSigningKey(store, cliContext(svc.clock), kid, svc.config);
}
