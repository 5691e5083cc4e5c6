// Operator command: make a new Ed25519 signing key current. The old public key
// stays in JWKS until every token it signed has expired; running services
// pick up the new key on their next request.
//
//   npm run rotate-key            (uses DATABASE_URL, default ./data/latchkey.db)
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { ensureSigningKey, MAX_SESSION_LIFETIME_MS, rotateSigningKey } from '../src/signing/keyring.js';

const config = loadConfig();
const db = openDatabase(config.databaseUrl);
ensureSigningKey(db, systemClock);
const { kid, retired } = rotateSigningKey(db, systemClock);
const until = new Date(systemClock.now() + MAX_SESSION_LIFETIME_MS).toISOString();
console.log(`new signing key: ${kid}`);
for (const old of retired) console.log(`retired: ${old} (published in JWKS until ${until})`);
db.$client.close();
