// Contract §0: text in bodies is stored and returned exactly as sent, so a body
// that is not valid UTF-8, or a string holding a lone surrogate or U+0000, is
// refused (400 `validation_failed`) rather than quietly changed. Left alone,
// the body parser turns bad bytes into U+FFFD, SQLite turns a lone surrogate
// into U+FFFD, and U+0000 cuts strings short in C code and terminals: what was
// stored and what was accepted would differ.
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from '../../errors.js';

const MAX_DETAILS = 20;
// In a `u` regex a surrogate pair is one code point, so this matches only a
// surrogate without its partner.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * express.json's `verify` hook: it sees the raw bytes (after Content-Encoding
 * is undone, before decoding), where a fatal check is possible at all.
 */
export function verifyUtf8(_req: IncomingMessage, _res: ServerResponse, body: Buffer): void {
  if (!isUtf8(body)) {
    throw new AppError('validation_failed', 'The request body is not valid UTF-8.', {
      details: [{ path: '', message: 'must be valid UTF-8' }],
    });
  }
}

/** Why `text` cannot be stored as it is, or undefined when it can. */
function textProblem(text: string): string | undefined {
  if (LONE_SURROGATE.test(text)) return 'holds a lone surrogate';
  if (text.includes('\u0000')) return 'holds U+0000';
  return undefined;
}

// A parsed value and how it was reached; the path is rebuilt only for a
// failure, so a deeply nested body costs no path copies.
interface Visit {
  value: unknown;
  key: string | undefined;
  parent: Visit | undefined;
}

function pathOf(visit: Visit | undefined): string {
  const keys: string[] = [];
  for (let at = visit; at?.key !== undefined; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
}

/** Every string in `body`, object keys included, at any depth (iteratively: a 64 KiB body can nest 30 000 deep). */
export function textProblems(body: unknown): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const stack: Visit[] = [{ value: body, key: undefined, parent: undefined }];
  while (stack.length > 0 && problems.length < MAX_DETAILS) {
    const visit = stack.pop()!;
    const { value } = visit;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) problems.push({ path: pathOf(visit), message: `string ${problem}` });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: String(i), parent: visit });
    } else if (typeof value === 'object' && value !== null) {
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        const problem = textProblem(key);
        // The key itself is named, escaped by JSON in the answer like any string.
        if (problem) problems.push({ path: pathOf({ value: undefined, key, parent: visit }), message: `key ${problem}` });
        stack.push({ value: (value as Record<string, unknown>)[key], key, parent: visit });
      }
    }
  }
  return problems.slice(0, MAX_DETAILS);
}

/** After express.json: refuses a body whose strings could not be stored exactly as sent. */
export const requireStorableText: RequestHandler = function requireStorableText(req, _res, next) {
  const details = req.body === undefined ? [] : textProblems(req.body);
  next(details.length > 0 ? new AppError('validation_failed', 'A string in the body cannot be stored as sent.', { details }) : undefined);
};
