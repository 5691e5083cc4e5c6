// Turns zod failures into the contract's 400 `validation_failed` with details,
// and holds the path-parameter patterns of contract §0.
import { z } from 'zod';
import { AppError } from '../errors.js';

export const PATH_PATTERNS = {
  tenantId: /^[A-Za-z0-9_-]{1,64}$/,
  projectId: /^[A-Za-z0-9_-]{1,64}$/,
  appId: /^app_[A-Za-z0-9_-]{8,64}$/,
  kid: /^[A-Za-z0-9._:-]{1,64}$/,
  apiKeyId: /^key_[A-Za-z0-9_-]{8,64}$/,
} as const;

export function validationError(error: z.ZodError): AppError {
  const details = error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  return new AppError('validation_failed', undefined, { details });
}

export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

/** Validates path parameters; a malformed one is a 400, never a lookup. */
export function pathParams<K extends keyof typeof PATH_PATTERNS>(
  params: Record<string, string | string[] | undefined>,
  ...names: K[]
): Record<K, string> {
  const out = {} as Record<K, string>;
  const details: { path: string; message: string }[] = [];
  for (const name of names) {
    const value = params[name];
    if (typeof value === 'string' && PATH_PATTERNS[name].test(value)) out[name] = value;
    else details.push({ path: name, message: `must match ${PATH_PATTERNS[name].source}` });
  }
  if (details.length) throw new AppError('validation_failed', 'A path parameter is malformed.', { details });
  return out;
}
