// The WriteContext of a management request: who (its authenticated caller),
// from where (client IP per TRUST_PROXY) and which request (its X-Request-Id),
// so each write use-case records its audit event without seeing HTTP.
import type { Request, Response } from 'express';
import type { WriteContext } from '../audit/audit-event.js';
import type { Clock } from '../clock.js';
import { actorOf } from '../manage/caller.js';
import { plainIp } from './client-ip.js';
import { callerOf } from './middleware/manage-auth.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function writeContext(req: Request, res: Response, clock: Clock): WriteContext {
  // The id the response carries (request-id middleware), else the client's own when well formed.
  const id = (req as { id?: unknown }).id;
  const header = req.headers['x-request-id'];
  const requestId = typeof id === 'string' ? id : typeof header === 'string' && REQUEST_ID.test(header) ? header : null;
  return { actor: actorOf(callerOf(res)), ip: plainIp(req.ip), requestId, clock };
}
