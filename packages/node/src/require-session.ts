// Express middleware (contract §6): `req.latchkey` holds the verified session,
// or the request is answered in the service's error shape (§0): 401
// `invalid_token` with the reason, or 503 when the JWKS cannot be fetched (the
// token may be fine; the client should retry, not sign in again).
// Typed structurally, so the package does not depend on Express.
import { LatchkeyVerifyError } from './errors.js';
import type { VerifiedSession, Verifier } from './verifier.js';

export interface SessionRequest {
  headers: { authorization?: string | undefined };
  latchkey?: VerifiedSession;
}

export interface ErrorResponse {
  status(code: number): ErrorResponse;
  set(field: string, value: string): ErrorResponse;
  json(body: unknown): unknown;
}

export type NextFunction = (error?: unknown) => void;

declare global {
  namespace Express {
    interface Request {
      /** Set by requireSession(): the verified latchkey session. */
      latchkey?: VerifiedSession;
    }
  }
}

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

export function requireSession(verifier: Verifier) {
  return async function latchkeySession(req: SessionRequest, res: ErrorResponse, next: NextFunction): Promise<void> {
    const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
    try {
      if (!token) throw new LatchkeyVerifyError('malformed', 'A bearer session token is required.');
      req.latchkey = await verifier.verify(token);
    } catch (error) {
      if (!(error instanceof LatchkeyVerifyError)) return next(error);
      if (error.code === 'jwks_unavailable') {
        res.status(503).set('Retry-After', '5').json({
          error: { code: 'service_unavailable', message: 'Session tokens cannot be checked right now.', reason: error.code },
        });
        return;
      }
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer error="invalid_token"')
        .json({ error: { code: 'invalid_token', message: error.message, reason: error.code } });
      return;
    }
    next();
  };
}
