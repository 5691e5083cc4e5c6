// Keeps /openapi.json honest. Every app a test harness builds is wrapped so
// that each error answer it gives is recorded against the operation it
// answered for (src/http/operations.ts); when the test file ends, a code an
// operation answered without listing it, or an answer from a route the table
// does not know at all, fails that file. So every HTTP test in the suite also
// checks the document's error lists — the two cannot drift apart.
import type { RequestListener, ServerResponse } from 'node:http';
import { afterAll, expect } from 'vitest';
import { findOperation, isDocumentedPath } from '../../src/http/operations.js';

const undocumented = new Set<string>();

function record(method: string, path: string, res: ServerResponse, body: unknown): void {
  let code: string | undefined;
  if (res.statusCode >= 400 && body !== undefined) {
    try {
      code = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : String(body))?.error?.code;
    } catch {
      code = '(not JSON)';
    }
  }
  const operation = findOperation(method, path);
  if (!operation) {
    // Unknown paths and methods belong to no operation (404 not_found, 405 method_not_allowed).
    if (code === 'not_found' || (code === 'method_not_allowed' && isDocumentedPath(path))) return;
    undocumented.add(`${method} ${path} answered ${res.statusCode}${code ? ` ${code}` : ''}, but no operation in src/http/operations.ts serves it`);
    return;
  }
  // internal_error is a bug in any operation, never an answer one documents.
  if (code !== undefined && code !== 'internal_error' && !operation.errors.includes(code as never)) {
    undocumented.add(`${operation.operationId} answered ${res.statusCode} ${code}, which its errors do not list`);
  }
}

/** `listener`, recording what it answers. */
export function observeErrors(listener: RequestListener): RequestListener {
  return function observed(req, res) {
    // Read now: Express rewrites req.url below a mount point.
    const method = req.method ?? '';
    const path = (req.url ?? '').split('?')[0]!;
    const end = res.end;
    res.end = function (this: ServerResponse, ...args: unknown[]) {
      const body = typeof args[0] === 'function' ? undefined : args[0];
      record(method, path, res, body);
      return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['end'];
    listener(req, res);
  };
}

afterAll(() => {
  expect([...undocumented], 'answers /openapi.json does not document (src/http/operations.ts)').toEqual([]);
});
