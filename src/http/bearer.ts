// Reading `Authorization: Bearer <token>` (RFC 6750 §2.1, RFC 9110 §11.4):
// the scheme in any case, one or more spaces, then the token exactly as sent.
import type { IncomingMessage } from 'node:http';

// Only SP separates scheme and credentials (RFC 9110 §11.4: `1*SP`). Leading
// and trailing OWS are not part of the field value and node has already
// stripped them; anything else — a tab, a no-break space — belongs to the token.
const BEARER_SCHEME = /^bearer +/i;

/** The token of an `Authorization: Bearer <token>` header value, verbatim. */
export function bearerToken(header: string | undefined): string | undefined {
  // No length cap here: an oversized token must reach its verifier and be refused as malformed.
  if (header === undefined) return undefined;
  const scheme = BEARER_SCHEME.exec(header);
  if (!scheme) return undefined;
  const token = header.slice(scheme[0].length);
  return token === '' ? undefined : token;
}

/**
 * The request's Authorization header when it sent exactly one. Node keeps
 * only the first of several in `req.headers`, while a proxy in front may
 * have acted on the last: with two credentials there is no telling which one
 * the client meant, so neither counts.
 */
export function singleAuthorization(req: IncomingMessage): string | undefined {
  const values = req.headersDistinct.authorization;
  return values?.length === 1 ? values[0] : undefined;
}
