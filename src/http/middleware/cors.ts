// CORS for /run/* (§3): browsers on any site may call it and read every
// response, errors included, so a widget can show why it was refused. The
// allowlist is the handlers' job, not this one's: reflecting the Origin here
// grants nothing, since no cookies or credentials are ever honoured.
import type { RequestHandler } from 'express';

const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Challenge-Solution, X-Inkeep-Challenge-Solution';
const ALLOWED_METHODS = 'GET, POST, OPTIONS';

export const runCors: RequestHandler = function runCors(req, res, next) {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
  }
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
    res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
    return;
  }
  next();
};
