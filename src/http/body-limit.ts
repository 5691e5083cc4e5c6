// Contract §0: request bodies are limited to 64 KiB (413 `payload_too_large`).
//
// The run API has no use for a body, but a client may still send one, and
// what it sends must not cost more than the limit: a declared length over it
// is refused before a byte of the body is read, and a chunked body is counted
// as it arrives and refused the moment it passes the limit, not drained to
// its end. Either way the answer closes the connection, since the rest of the
// body is still on the wire. A body that trickles in slowly is ended by the
// server's request timeout (§0: 30 s), not here.
//
// The management API's body parser enforces the limit on what it reads, but
// drains the whole body before it answers; refuseLargeDeclaredBody answers a
// declared length over the limit before it starts.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';

export const BODY_LIMIT_BYTES = 64 * 1024;

export function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Reads and discards a request body, resolving true once it has ended within
 * `limit` bytes and false as soon as it passes it (the request is then left
 * paused). Node's parser has already refused a malformed Content-Length.
 */
export function discardBody(req: IncomingMessage, limit = BODY_LIMIT_BYTES): Promise<boolean> {
  if (Number(req.headers['content-length']) > limit) return Promise.resolve(false);
  return new Promise((resolve) => {
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limit) return;
      req.off('data', onData);
      req.pause();
      resolve(false);
    };
    req.on('data', onData);
    req.once('end', () => resolve(true));
    // The connection went away mid-body (or timed out): refused, so no
    // handler runs for a request that no one will hear the answer to.
    req.once('error', () => resolve(false));
  });
}

/** Express middleware: a declared Content-Length over the limit is refused before the body parser drains it. */
export const refuseLargeDeclaredBody: RequestHandler = function refuseLargeDeclaredBody(req, _res, next) {
  next(Number(req.headers['content-length']) > BODY_LIMIT_BYTES ? new AppError('payload_too_large') : undefined);
};
