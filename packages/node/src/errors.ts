// Why a session token was refused. One class, one stable `code` per failure
// (contract §6), so a backend can branch on the code and never on a message.

export type VerifyErrorCode =
  | 'expired'
  | 'invalid_signature'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'wrong_type'
  | 'malformed'
  | 'unknown_key'
  | 'jwks_unavailable';

export class LatchkeyVerifyError extends Error {
  override readonly name = 'LatchkeyVerifyError';

  constructor(
    readonly code: VerifyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** introspect()'s refusal: the service's error code (§3.4), or `network_error` when it could not be asked. */
export class LatchkeyIntrospectError extends Error {
  override readonly name = 'LatchkeyIntrospectError';

  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly reason?: string,
  ) {
    super(message);
  }
}
