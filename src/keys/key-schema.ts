import { z } from 'zod';
import { PATH_PATTERNS } from '../http/validation.js';
import { CUSTOMER_ALGORITHMS } from './algorithms.js';

export const addKeyBody = z.strictObject({
  kid: z.string().regex(PATH_PATTERNS.kid, 'must be 1-64 characters of A-Z a-z 0-9 . _ : -'),
  publicKey: z.string().min(1).max(16_384),
  algorithm: z.enum(CUSTOMER_ALGORITHMS),
});

export const keyResource = z.object({
  kid: z.string(),
  algorithm: z.enum(CUSTOMER_ALGORITHMS),
  publicKey: z.string(),
  thumbprint: z.string(),
  createdAt: z.iso.datetime(),
});
export type KeyResource = z.infer<typeof keyResource>;
