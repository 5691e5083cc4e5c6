// Express's end of the shared error module (../respond.ts): every error a
// management route, body-parser or the router raises leaves as the contract's
// JSON shape. Headers a route set before failing (Allow on a 405) are kept:
// writeHead merges them.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../../errors.js';
import { labelErrorCode } from '../../metrics/request-labels.js';
import { sendError, toAppError, type ErrorReporting } from '../respond.js';

export function errorHandler(reporting: ErrorReporting): ErrorRequestHandler {
  return function renderError(error, req, res, next) {
    if (res.headersSent) return next(error);
    const refusal = toAppError(error, reporting, req);
    // For the request metrics (../../metrics/observe-requests.ts); the run API counts its own.
    labelErrorCode(res, refusal.code);
    sendError(res, refusal);
  };
}

export const notFound: RequestHandler = (_req, _res, next) => next(new AppError('not_found'));
