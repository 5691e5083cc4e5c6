// Validates an uploaded customer public key (§2.2). Pure: takes the PEM text and
// the declared algorithm, returns the canonical SPKI PEM and its RFC 7638
// thumbprint, or a reason. Reasons never echo key material: a customer who
// pastes a private key by mistake must not see it in a log or a response.
// In order: one PEM block of canonical base64; strict DER of an SPKI (spki.ts);
// the key type the algorithm needs; a key only its owner can sign for
// (ec-point.ts, ed25519-point.ts, rsa-modulus.ts); and only then node:crypto,
// which can abort the process on a key it has not been shown sound.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { KEY_REQUIREMENTS, type CustomerAlgorithm } from './algorithms.js';
import { ecPointProblem } from './ec-point.js';
import { ed25519KeyProblem } from './ed25519-point.js';
import { rsaKeyProblem } from './rsa-modulus.js';
import { parseSpki, type SpkiKey } from './spki.js';

export type PublicKeyResult =
  | { ok: true; publicKey: string; thumbprint: string; keyObject: KeyObject }
  | { ok: false; reason: string };

// One block, base64 lines only; the DER parse below decides whether it is a key.
const SPKI_PEM = /^-----BEGIN PUBLIC KEY-----\n((?:[A-Za-z0-9+/=]{1,76}\n)+)-----END PUBLIC KEY-----$/;
const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/g;

function refuse(reason: string): PublicKeyResult {
  return { ok: false, reason };
}

/** Says why a text that is not one SPKI PEM block was refused. */
function shapeProblem(text: string): string {
  const labels = [...text.matchAll(PEM_LABEL)].map((m) => m[1]!);
  if (labels.some((label) => label.includes('PRIVATE KEY'))) {
    return 'a private key was submitted; upload only the public key (BEGIN PUBLIC KEY)';
  }
  if (text.startsWith('{')) {
    return /"d"\s*:/.test(text)
      ? 'a private key was submitted; upload only the public key (BEGIN PUBLIC KEY)'
      : 'a JWK is not accepted; send the key as an SPKI PEM (BEGIN PUBLIC KEY)';
  }
  if (labels.length > 1) return 'several PEM blocks were sent; send exactly one public key';
  if (labels[0] === 'CERTIFICATE') return 'a certificate is not accepted; send its SPKI public key (BEGIN PUBLIC KEY)';
  if (labels[0] === 'RSA PUBLIC KEY') return 'a PKCS#1 public key is not accepted; send it as SPKI (BEGIN PUBLIC KEY)';
  if (labels[0] === 'PUBLIC KEY') {
    return 'the PUBLIC KEY block is malformed; between BEGIN and END PUBLIC KEY send only base64 lines of at most 76 characters';
  }
  if (labels.length === 1) return `a ${labels[0]} block is not a public key; send an SPKI PEM (BEGIN PUBLIC KEY)`;
  return 'not a PEM public key; send an SPKI PEM (BEGIN PUBLIC KEY)';
}

/** How a refusal names the key that was sent. */
function describe(key: SpkiKey): string {
  switch (key.type) {
    case 'rsa':
      return 'an RSA key';
    case 'ec':
      return `an EC key on ${key.curve}`;
    case 'ec-other':
      return `an EC key on ${key.curveName ?? 'an unsupported curve'}`;
    case 'ed25519':
      return 'an Ed25519 key';
    case 'other':
      return key.name ? `a key of type ${key.name}` : 'an unsupported key type';
  }
}

/** Does the key's type (and curve) match the declared algorithm? */
function mismatch(key: SpkiKey, algorithm: CustomerAlgorithm): string | null {
  const required = KEY_REQUIREMENTS[algorithm];
  switch (required.type) {
    case 'rsa':
      return key.type === 'rsa' ? null : `${algorithm} needs an RSA key, got ${describe(key)}`;
    case 'ec':
      return key.type === 'ec' && key.curve === required.curveName
        ? null
        : `${algorithm} needs an EC key on ${required.curveName}, got ${describe(key)}`;
    case 'ed25519':
      return key.type === 'ed25519' ? null : `EdDSA needs an Ed25519 key, got ${describe(key)}`;
  }
}

/** Keys of the right type that anyone could still sign for, or that node:crypto cannot safely hold. */
async function weakness(key: SpkiKey): Promise<string | null> {
  switch (key.type) {
    case 'rsa':
      return rsaKeyProblem(key.n, key.e);
    case 'ec':
      return ecPointProblem(key.curve, key.point);
    case 'ed25519':
      return ed25519KeyProblem(key.key);
    default:
      return null; // unreachable: mismatch() refuses every other type first
  }
}

export async function validatePublicKey(input: string, algorithm: CustomerAlgorithm): Promise<PublicKeyResult> {
  const text = input.trim().replace(/\r\n/g, '\n');
  const pem = SPKI_PEM.exec(text);
  if (!pem) return refuse(shapeProblem(text));
  const base64 = pem[1]!.replace(/\n/g, '');
  const der = Buffer.from(base64, 'base64');
  // Node's decoder skips what it cannot read; only canonical base64 is one key.
  if (der.toString('base64') !== base64) return refuse('the PUBLIC KEY block is not valid base64');

  // Nothing reaches node:crypto until its structure and its numbers are proven
  // sound (spki.ts says what crashes otherwise).
  const parsed = parseSpki(der);
  if (!parsed.ok) return refuse(`the PEM block does not hold a valid SPKI public key: ${parsed.reason}`);
  const problem = mismatch(parsed.key, algorithm) ?? (await weakness(parsed.key));
  if (problem) return refuse(problem);

  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    return refuse('the PEM block does not hold a valid SPKI public key');
  }
  const jwk = key.export({ format: 'jwk' }) as JWK;
  return {
    ok: true,
    publicKey: key.export({ type: 'spki', format: 'pem' }) as string,
    thumbprint: await calculateJwkThumbprint(jwk, 'sha256'),
    keyObject: key,
  };
}
