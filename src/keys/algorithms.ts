// The customer-key algorithms latchkey accepts (§2.2) and what each demands of
// the key: RSA with a sane modulus, the EC curve the algorithm is defined on,
// or Ed25519 for EdDSA.
export const CUSTOMER_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type CustomerAlgorithm = (typeof CUSTOMER_ALGORITHMS)[number];

/** The NIST curves of ES256, ES384 and ES512, by their JOSE names. */
export type EcCurveName = 'P-256' | 'P-384' | 'P-521';

export type KeyRequirement = { type: 'rsa' } | { type: 'ec'; curveName: EcCurveName } | { type: 'ed25519' };

export const KEY_REQUIREMENTS: Record<CustomerAlgorithm, KeyRequirement> = {
  RS256: { type: 'rsa' },
  RS384: { type: 'rsa' },
  RS512: { type: 'rsa' },
  ES256: { type: 'ec', curveName: 'P-256' },
  ES384: { type: 'ec', curveName: 'P-384' },
  ES512: { type: 'ec', curveName: 'P-521' },
  EdDSA: { type: 'ed25519' },
};

export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 4096;
export const RSA_EXPONENT = 65537n;
