// Wraps every method of a store object so that infrastructure failures reject
// with StoreUnavailableError (./unavailable.ts) and nothing else leaks a driver
// error class to domain code.
import { guarded } from './unavailable.js';

export function guardMethods<T extends object>(methods: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(methods)) {
    wrapped[name] =
      typeof value === 'function' ? (...args: unknown[]) => guarded(() => (value as (...a: unknown[]) => Promise<unknown>)(...args)) : value;
  }
  return wrapped as T;
}
