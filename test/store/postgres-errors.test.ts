// Which failures a request answers with 503 (StoreUnavailableError) and which
// stay bugs (500). The live versions (a stopped server, a frozen network, a
// locked row) are in postgres-outage.test.ts and postgres-concurrency.test.ts.
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { DatabaseError } from 'pg';
import { describe, expect, it } from 'vitest';
import { guarded, toStoreError } from '../../src/store/postgres/unavailable.js';
import { StoreUnavailableError } from '../../src/store/store-errors.js';

function databaseError(code: string): DatabaseError {
  const error = new DatabaseError('server said no', 0, 'error');
  error.code = code;
  return error;
}

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: 'connect' });
}

describe('PostgreSQL errors', () => {
  it.each([
    ['admin shutdown (server stopping)', databaseError('57P01')],
    ['statement timeout', databaseError('57014')],
    ['too many connections', databaseError('53300')],
    ['connection failure', databaseError('08006')],
    ['lock timeout', databaseError('55P03')],
    ['deadlock', databaseError('40P01')],
    ['database dropped', databaseError('3D000')],
    ['read-only standby after a failover', databaseError('25006')],
    ['refused connection', systemError('ECONNREFUSED')],
    ['reset connection', systemError('ECONNRESET')],
    ['unknown host', systemError('ENOTFOUND')],
    ['lost connection', new Error('Connection terminated unexpectedly')],
    ['pool wait', new Error('timeout exceeded when trying to connect')],
    ['no answer', new Error('Query read timeout')],
    ['wrapped by drizzle', new DrizzleQueryError('select 1', [], databaseError('57P01'))],
  ])('%s → StoreUnavailableError', (_name, error) => {
    const mapped = toStoreError(error);
    expect(mapped).toBeInstanceOf(StoreUnavailableError);
    expect((mapped as StoreUnavailableError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['an unexpected unique violation', databaseError('23505')],
    ['a syntax error', databaseError('42601')],
    ['a missing column', databaseError('42703')],
    ['a programming error', new TypeError('cannot read properties of undefined')],
    ['wrapped by drizzle', new DrizzleQueryError('insert', [], databaseError('23503'))],
  ])('%s stays itself (a bug, 500)', (_name, error) => {
    expect(toStoreError(error)).toBe(error);
  });

  it('answers StoreUnavailableError when a call outlives its deadline, whatever it waits for', async () => {
    await expect(guarded(() => new Promise(() => {}), 20)).rejects.toThrow(StoreUnavailableError);
  });

  it('lets a call that answers in time through, value or bug', async () => {
    await expect(guarded(async () => 'value', 1_000)).resolves.toBe('value');
    const bug = new TypeError('bug');
    await expect(guarded(() => Promise.reject(bug), 1_000)).rejects.toBe(bug);
  });
});
