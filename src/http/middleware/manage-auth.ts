// Bearer authentication for /manage/* with the management API key.
import type { RequestHandler } from 'express';
import { AppError } from '../../errors.js';
import { manageKeyMatches, type ManageKey } from '../../manage/manage-key.js';
import { bearerToken } from '../bearer.js';

export function manageAuth(key: ManageKey): RequestHandler {
  return function requireManageKey(req, _res, next) {
    const presented = bearerToken(req.headers.authorization);
    if (presented === undefined || !manageKeyMatches(key, presented)) return next(new AppError('unauthorized'));
    next();
  };
}
