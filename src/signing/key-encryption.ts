// The service's signing private keys at rest (KEY_ENCRYPTION_SECRET, §1).
//
// AES-256-GCM from node:crypto: authenticated, so a wrong secret or a changed
// byte is detected rather than yielding a garbage key. The AES key is derived
// with HKDF-SHA256 from the operator's secret, so the secret itself is never a
// cipher key and a future use of it (another purpose) gets an unrelated key.
// The key id is the associated data: a ciphertext copied onto another key's
// row does not decrypt there, so rows cannot be swapped unnoticed.
//
// Stored text: `enc:v1:<iv>:<tag>:<ciphertext>`, each part base64url. The
// version names the whole scheme (KDF, salt, info, cipher); a new scheme gets
// a new version and the old one keeps decrypting. A clear PKCS#8 PEM starts
// with `-----BEGIN`, so the two cannot be confused.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';
// Fixed, public: HKDF's salt and info separate this key from any other
// derived from the same secret; the secret's entropy is what protects it.
const HKDF_SALT = 'latchkey';
const HKDF_INFO = 'latchkey signing-key encryption v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The stored keys cannot be read with the configuration given: the start must stop. */
export class KeyEncryptionError extends Error {
  override readonly name = 'KeyEncryptionError';
}

export const WRONG_SECRET = 'KEY_ENCRYPTION_SECRET does not decrypt the stored signing keys';
export const SECRET_MISSING = 'the stored signing keys are encrypted: set KEY_ENCRYPTION_SECRET';

const derived = new Map<string, Buffer>();

function aesKey(secret: string): Buffer {
  let key = derived.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), HKDF_SALT, HKDF_INFO, 32));
    derived.set(secret, key);
  }
  return key;
}

export const isEncrypted = (stored: string) => stored.startsWith(PREFIX);

export function encryptPrivateKey(pem: string, kid: string, secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', aesKey(secret), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(pem, 'utf8'), cipher.final()]);
  return `${PREFIX}${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${ciphertext.toString('base64url')}`;
}

/** The PEM of a stored private key: decrypted when it is encrypted. Throws KeyEncryptionError when it cannot be. */
export function readPrivateKey(stored: string, kid: string, secret: string | undefined): string {
  if (!isEncrypted(stored)) return stored;
  if (!secret) throw new KeyEncryptionError(SECRET_MISSING);
  const [iv, tag, ciphertext, extra] = stored.slice(PREFIX.length).split(':');
  if (iv === undefined || tag === undefined || ciphertext === undefined || extra !== undefined) {
    throw new KeyEncryptionError(WRONG_SECRET);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', aesKey(secret), Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(kid, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    // GCM's authentication failed: another secret, or a tampered row.
    throw new KeyEncryptionError(WRONG_SECRET);
  }
}

/** How a key is stored under the given configuration: encrypted when a secret is set. */
export const storablePrivateKey = (pem: string, kid: string, secret: string | undefined) =>
  secret ? encryptPrivateKey(pem, kid, secret) : pem;
