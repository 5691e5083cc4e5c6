// Operator command: make a new Ed25519 signing key current. The old public key
// stays in JWKS until every token it signed has expired; running services
// pick up the new key through the store's change feed.
//
//   npm run rotate-key            (uses DATABASE_URL, default ./data/latchkey.db)
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { MAX_SESSION_LIFETIME_MS, newSigningKey, rotateSigningKey } from '../src/signing/keyring.js';
import { openStore } from '../src/store/open-store.js';

const config = loadConfig();
const store = await openStore(config.databaseUrl);
await store.signingKeys.ensureCurrent(() => newSigningKey(systemClock.now()));
const { kid, retired } = await rotateSigningKey(store, systemClock);
const until = new Date(systemClock.now() + MAX_SESSION_LIFETIME_MS).toISOString();
console.log(`new signing key: ${kid}`);
for (const old of retired) console.log(`retired: ${old} (published in JWKS until ${until})`);
await store.close();
