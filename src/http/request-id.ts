// Contract §0: every response carries X-Request-Id, and every log line of
// the request carries the same id, so one request can be followed from a
// proxy's log through latchkey's.
//
// A client's own id is kept when it is a plain token: a proxy in front can
// then correlate its logs with ours. Anything else — too long, spaces, a
// second header joined with a comma, control characters that could forge a
// log line — is replaced, never cleaned up.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's own X-Request-Id when it is acceptable, else a new random one. */
export function requestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && CLIENT_REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * pino-http's `genReqId` for the Express side: the id becomes `reqId` on the
 * request's log lines and the X-Request-Id of its response, errors included.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const id = requestId(req.headers['x-request-id']);
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}
