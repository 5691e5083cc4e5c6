// One table of every error code latchkey answers with. Routes throw AppError
// with a code from here; the error middleware renders the contract's shape:
// {"error": {"code", "message", ...extra}}.

export const ERRORS = {
  bad_request: { status: 400, message: 'The request could not be understood.' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  validation_failed: { status: 400, message: 'The request is not valid.' },
  invalid_public_key: { status: 400, message: 'The public key is not acceptable.' },
  token_required: { status: 400, message: 'A bearer token is required.' },
  pow_required: { status: 400, message: 'A proof-of-work solution is required.' },
  pow_malformed: { status: 400, message: 'The proof-of-work solution could not be decoded.' },
  unauthorized: { status: 401, message: 'A valid management API key is required.' },
  invalid_token: { status: 401, message: 'The token is not valid.' },
  anonymous_disabled: { status: 401, message: 'This app does not allow anonymous sessions.' },
  claims_too_large: { status: 401, message: 'The verified claims exceed 1024 bytes.' },
  forbidden: { status: 403, message: 'This management key may not act here.' },
  origin_not_allowed: { status: 403, message: 'This origin is not allowed for the app.' },
  pow_invalid: { status: 403, message: 'The proof-of-work solution is not valid.' },
  pow_expired: { status: 403, message: 'The proof-of-work challenge has expired.' },
  pow_replayed: { status: 403, message: 'The proof-of-work solution has already been used.' },
  not_found: { status: 404, message: 'No such route.' },
  app_not_found: { status: 404, message: 'App not found.' },
  key_not_found: { status: 404, message: 'Key not found.' },
  api_key_not_found: { status: 404, message: 'Management key not found.' },
  signing_key_not_found: { status: 404, message: 'Signing key not found.' },
  pow_disabled: { status: 404, message: 'Proof of work is not enabled on this service.' },
  method_not_allowed: { status: 405, message: 'Method not allowed on this route.' },
  request_timeout: { status: 408, message: 'The request did not arrive in time.' },
  kid_conflict: { status: 409, message: 'A key with this kid already exists for the app.' },
  key_limit_reached: { status: 409, message: 'An app can hold at most 5 keys.' },
  revocation_limit_reached: { status: 409, message: 'An app can hold at most 10000 live revocations.' },
  payload_too_large: { status: 413, message: 'The request body exceeds 64 KiB.' },
  unsupported_media_type: { status: 415, message: 'The request body must be application/json.' },
  headers_too_large: { status: 431, message: 'The request line and headers exceed 16 KiB.' },
  rate_limited: { status: 429, message: 'Too many requests; retry later.' },
  internal_error: { status: 500, message: 'Internal server error.' },
  service_unavailable: { status: 503, message: 'The service is not ready.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    /** Extra fields merged into the error object, e.g. `reason` or `details`. */
    readonly extra?: Readonly<Record<string, unknown>>,
    /** Response headers that belong to this error, e.g. `Retry-After`. */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    // An AppError is an answer the contract defines, not a fault: nothing
    // reads its stack (a 500 logs the error that caused it), and capturing one
    // was a tenth of the CPU a refused session request costs.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message ?? ERRORS[code].message);
    Error.stackTraceLimit = stackTraceLimit;
    this.status = ERRORS[code].status;
  }
}

export function errorBody(code: ErrorCode, message?: string, extra?: Readonly<Record<string, unknown>>) {
  return { error: { code, message: message ?? ERRORS[code].message, ...extra } };
}
