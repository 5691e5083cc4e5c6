// Reads an SPKI public key (RFC 5280 SubjectPublicKeyInfo) from DER before
// node:crypto ever sees it. On Node 20, createPublicKey() accepts an EC key
// whose point is the point at infinity (the single byte 00), after which
// reading `asymmetricKeyDetails` or exporting it as a JWK aborts the process
// (a native assertion) and verify() with it segfaults. So the structure is
// proven here first, and only the shapes listed below are ever handed on:
//
//   SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
//   AlgorithmIdentifier  ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
//
// rsaEncryption with NULL parameters (RFC 3279) and RSAPublicKey ::= SEQUENCE { n, e };
// id-ecPublicKey with a namedCurve OID (RFC 5480: explicit curve parameters are refused);
// Ed25519 with absent parameters and a 32-byte key (RFC 8410).
// Other key types are recognised only to name them in a refusal.
import type { EcCurveName } from './algorithms.js';
import { DerError, DerReader, positiveInteger, TAG } from './der-reader.js';

export type SpkiKey =
  | { type: 'rsa'; n: bigint; e: bigint }
  | { type: 'ec'; curve: EcCurveName; point: Uint8Array }
  /** An EC key on a curve latchkey does not accept: only its name matters. */
  | { type: 'ec-other'; curveName?: string }
  | { type: 'ed25519'; key: Uint8Array }
  /** A key type no customer algorithm accepts (x25519, ed448, rsa-pss, dsa, ...). */
  | { type: 'other'; name?: string };

export type SpkiResult = { ok: true; key: SpkiKey } | { ok: false; reason: string };

// OID content bytes (after tag and length), compared byte for byte.
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const OID = {
  rsaEncryption: '2a864886f70d010101',
  ecPublicKey: '2a8648ce3d0201',
  ed25519: '2b6570',
} as const;
// Maps, not objects: a lookup by attacker-chosen bytes must never reach a prototype.
const CURVES = new Map<string, EcCurveName>(Object.entries({
  '2a8648ce3d030107': 'P-256',
  '2b81040022': 'P-384',
  '2b81040023': 'P-521',
} as const));
const OTHER_CURVES = new Map(Object.entries({
  '2b8104000a': 'secp256k1',
  '2a8648ce3d030101': 'P-192',
  '2b81040021': 'P-224',
  '2b2403030208010107': 'brainpoolP256r1',
  '2b2403030208010109': 'brainpoolP320r1',
  '2b240303020801010b': 'brainpoolP384r1',
  '2b240303020801010d': 'brainpoolP512r1',
  '2a811ccf5501822d': 'SM2',
}));
const OTHER_TYPES = new Map(Object.entries({
  '2b656e': 'X25519',
  '2b656f': 'X448',
  '2b6571': 'Ed448',
  '2a864886f70d01010a': 'RSA-PSS',
  '2a8648ce380401': 'DSA',
  '2a864886f70d010301': 'DH',
  '2a8648ce3e0201': 'DH',
}));
const NULL_PARAMS = '0500';

export function parseSpki(der: Uint8Array): SpkiResult {
  try {
    return { ok: true, key: readSpki(der) };
  } catch (error) {
    if (error instanceof DerError) return { ok: false, reason: error.message };
    throw error;
  }
}

function readSpki(der: Uint8Array): SpkiKey {
  const top = new DerReader(der);
  const spki = top.sequence('the SPKI SEQUENCE');
  top.expectEnd('the SPKI SEQUENCE');
  const algorithm = spki.sequence('the algorithm identifier');
  const oid = hex(algorithm.read(TAG.OID, 'the algorithm OID'));
  const params = algorithm.atEnd ? undefined : hex(algorithm.readAny('the algorithm parameters'));
  algorithm.expectEnd('the algorithm parameters');
  const bitString = spki.read(TAG.BIT_STRING, 'the public key BIT STRING');
  spki.expectEnd('the public key BIT STRING');
  // Every key format here is whole bytes: a first byte other than 0 (unused bits) is malformed.
  if (bitString.length === 0 || bitString[0] !== 0) throw new DerError('the public key BIT STRING is malformed');
  const keyBytes = bitString.subarray(1);

  switch (oid) {
    case OID.rsaEncryption:
      if (params !== NULL_PARAMS) throw new DerError('rsaEncryption parameters must be NULL');
      return readRsaPublicKey(keyBytes);
    case OID.ecPublicKey:
      return readEcKey(params, keyBytes);
    case OID.ed25519:
      if (params !== undefined) throw new DerError('Ed25519 keys must have no algorithm parameters');
      if (keyBytes.length !== 32) throw new DerError(`an Ed25519 key is 32 bytes, got ${keyBytes.length}`);
      return { type: 'ed25519', key: keyBytes };
    default:
      return { type: 'other', name: OTHER_TYPES.get(oid) };
  }
}

function readRsaPublicKey(keyBytes: Uint8Array): SpkiKey {
  const outer = new DerReader(keyBytes);
  const rsa = outer.sequence('the RSA public key');
  outer.expectEnd('the RSA public key');
  const n = positiveInteger(rsa.read(TAG.INTEGER, 'the RSA modulus'), 'the RSA modulus');
  const e = positiveInteger(rsa.read(TAG.INTEGER, 'the RSA exponent'), 'the RSA exponent');
  rsa.expectEnd('the RSA public key');
  if (n === 0n) throw new DerError('the RSA modulus is zero');
  return { type: 'rsa', n, e };
}

function readEcKey(params: string | undefined, point: Uint8Array): SpkiKey {
  // params is a whole TLV: 06 <len> <oid> for a named curve.
  if (params === undefined || !params.startsWith('06')) {
    throw new DerError(
      params?.startsWith('30')
        ? 'explicit EC curve parameters are not accepted; the key must name its curve'
        : 'EC parameters must name the curve',
    );
  }
  const curveOid = hex(new DerReader(Buffer.from(params, 'hex')).read(TAG.OID, 'the EC curve OID'));
  const curve = CURVES.get(curveOid);
  if (!curve) return { type: 'ec-other', curveName: OTHER_CURVES.get(curveOid) };
  return { type: 'ec', curve, point };
}
