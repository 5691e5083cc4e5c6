// Operator command: rotate the service's signing key. Without --immediate the
// new key is pending for SIGNING_KEY_PREPUBLISH_SECONDS (published in JWKS,
// signing nothing), then every running service switches to it by itself; the
// old public key stays in JWKS until every token it signed has expired.
// Prints the new key as the management API shows it.
//
//   npm run rotate-key [-- --immediate]   (uses DATABASE_URL, default ./data/latchkey.db)
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { rotateSigningKey } from '../src/signing/lifecycle.js';
import { newSigningKey, toSigningKeyResource } from '../src/signing/signing-key.js';
import { openStore } from '../src/store/open-store.js';

const config = loadConfig();
const store = await openStore(config.databaseUrl);
await store.signingKeys.ensureCurrent(() => newSigningKey(config, systemClock.now()));
const ctx = { actor: { type: 'cli' as const }, ip: null, requestId: null, clock: systemClock };
const key = await rotateSigningKey(store, ctx, { immediate: process.argv.includes('--immediate') }, config);
console.log(JSON.stringify({ data: toSigningKeyResource(key, systemClock.now()) }, null, 2));
await store.close();
