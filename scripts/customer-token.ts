// Developer command, standing in for a customer's backend: create a key pair
// for an app, and sign user tokens with it.
//
//   npx tsx scripts/customer-token.ts keygen --alg ES256 --kid demo-key --out ./demo-key.pem
//       writes the private key to --out and prints the JSON body for
//       POST /manage/.../apps/{appId}/auth-keys
//   npx tsx scripts/customer-token.ts sign --key ./demo-key.pem --alg ES256 --kid demo-key \
//       --sub user-123 [--claims '{"plan":"pro"}'] [--ttl 3600]
//       prints a customer-signed JWT for POST /run/auth/apps/{appId}/session
import { generateKeyPairSync, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    alg: { type: 'string', default: 'ES256' },
    kid: { type: 'string', default: 'demo-key' },
    out: { type: 'string', default: './demo-key.pem' },
    key: { type: 'string', default: './demo-key.pem' },
    sub: { type: 'string', default: 'user-123' },
    claims: { type: 'string', default: '{}' },
    ttl: { type: 'string', default: '3600' },
  },
});

function generate(alg: string) {
  if (alg.startsWith('RS')) return generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  if (alg === 'ES384') return generateKeyPairSync('ec', { namedCurve: 'P-384' });
  if (alg === 'ES512') return generateKeyPairSync('ec', { namedCurve: 'P-521' });
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519');
  throw new Error(`unsupported --alg ${alg}`);
}

const [command] = positionals;
if (command === 'keygen') {
  const { privateKey } = generate(values.alg);
  writeFileSync(values.out, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string;
  console.error(`private key written to ${values.out} (keep it on the backend)`);
  console.log(JSON.stringify({ kid: values.kid, algorithm: values.alg, publicKey: publicPem }));
} else if (command === 'sign') {
  const key = createPrivateKey(readFileSync(values.key));
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT(JSON.parse(values.claims))
    .setProtectedHeader({ alg: values.alg, kid: values.kid, typ: 'JWT' })
    .setSubject(values.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + Number(values.ttl))
    .sign(key);
  console.log(jwt);
} else {
  console.error('usage: customer-token.ts keygen|sign [options]; see the comment at the top of the file');
  process.exit(2);
}
