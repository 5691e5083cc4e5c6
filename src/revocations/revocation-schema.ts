// Request and response schemas of session revocations (§2.5). The same
// schemas validate requests and generate /openapi.json.
import { z } from 'zod';

// A jti or user id is at most what a token can carry (a customer `sub` is
// ≤ 255 chars, §4.2; this service's jtis are UUIDs).
const id = z.string().min(1).max(255);

export const addRevocationBody = z
  .strictObject({
    jti: id.optional(),
    userId: id.optional(),
    // RFC 3339 with Z or an offset (§0); how far ahead is checked against the clock.
    issuedBefore: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((body) => [body.jti, body.userId, body.issuedBefore].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of jti, userId, issuedBefore',
  });
export type AddRevocationInput = z.output<typeof addRevocationBody>;

export const revocationResource = z.object({
  id: z.string(),
  jti: z.string().optional(),
  userId: z.string().optional(),
  issuedBefore: z.iso.datetime().optional(),
  createdAt: z.iso.datetime(),
});
export type RevocationResource = z.infer<typeof revocationResource>;
