// The customer-key algorithms latchkey accepts (§2.2) and what each demands of
// the key: RSA with a sane modulus, the EC curve the algorithm is defined on,
// or Ed25519 for EdDSA.
export const CUSTOMER_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type CustomerAlgorithm = (typeof CUSTOMER_ALGORITHMS)[number];

export type KeyRequirement =
  | { type: 'rsa' }
  | { type: 'ec'; curve: string; curveName: string }
  | { type: 'ed25519' };

export const KEY_REQUIREMENTS: Record<CustomerAlgorithm, KeyRequirement> = {
  RS256: { type: 'rsa' },
  RS384: { type: 'rsa' },
  RS512: { type: 'rsa' },
  ES256: { type: 'ec', curve: 'prime256v1', curveName: 'P-256' },
  ES384: { type: 'ec', curve: 'secp384r1', curveName: 'P-384' },
  ES512: { type: 'ec', curve: 'secp521r1', curveName: 'P-521' },
  EdDSA: { type: 'ed25519' },
};

export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 4096;
export const RSA_EXPONENT = 65537n;
