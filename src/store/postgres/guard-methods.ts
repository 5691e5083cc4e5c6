// Wraps every method of a store object so that infrastructure failures reject
// with StoreUnavailableError (./unavailable.ts), within `deadlineMs`, and no
// driver error class leaks to domain code. Methods named in `unbounded` (the
// background purges, which may take longer than a request) get no deadline.
import { guarded } from './unavailable.js';

export function guardMethods<T extends object>(methods: T, deadlineMs: number, unbounded: (keyof T)[] = []): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(methods)) {
    const deadline = unbounded.includes(name as keyof T) ? undefined : deadlineMs;
    wrapped[name] =
      typeof value === 'function' ? (...args: unknown[]) => guarded(() => (value as (...a: unknown[]) => Promise<unknown>)(...args), deadline) : value;
  }
  return wrapped as T;
}
