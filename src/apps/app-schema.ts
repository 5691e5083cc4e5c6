// Request and response schemas of the apps API (§2.1). The same schemas
// validate requests and generate /openapi.json.
import { z } from 'zod';
import { normalizeEntry } from './origin-allowlist.js';

const allowedDomain = z
  .string()
  .max(300)
  .transform((raw, ctx) => {
    const result = normalizeEntry(raw);
    if (result.ok) return result.entry;
    ctx.addIssue({ code: 'custom', message: `allowed domain ${result.reason}` });
    return z.NEVER;
  });

const allowedDomains = z
  .array(allowedDomain)
  .min(1)
  .max(50)
  // Two spellings of one host (IDN and punycode, upper and lower case) are one entry.
  .transform((entries) => [...new Set(entries)]);

const nullableText = (max: number) => z.string().max(max).nullable();

// §2.1: every rule optional; `null` means "not set" (in a PATCH: remove it).
const policyText = z.string().min(1).max(255).nullable().optional();
const customerJwt = z
  .strictObject({
    audience: policyText,
    issuer: policyText,
    singleUse: z.boolean().nullable().optional(),
  })
  .nullable()
  .optional();

export const createAppBody = z.strictObject({
  name: z.string().min(1).max(200),
  type: z.literal('web_client').default('web_client'),
  description: nullableText(2000).optional(),
  defaultAgentId: nullableText(200).optional(),
  prompt: nullableText(10_000).optional(),
  enabled: z.boolean().default(true),
  config: z.strictObject({
    type: z.literal('web_client').optional(),
    webClient: z.strictObject({
      allowedDomains,
      allowAnonymous: z.boolean().default(true),
      customerJwt,
    }),
  }),
});
export type CreateAppInput = z.output<typeof createAppBody>;

// Merge-patch: only what is sent changes; `null` clears a nullable field.
export const patchAppBody = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  type: z.literal('web_client').optional(),
  description: nullableText(2000).optional(),
  defaultAgentId: nullableText(200).optional(),
  prompt: nullableText(10_000).optional(),
  enabled: z.boolean().optional(),
  config: z
    .strictObject({
      type: z.literal('web_client').optional(),
      webClient: z
        .strictObject({
          allowedDomains: allowedDomains.optional(),
          allowAnonymous: z.boolean().optional(),
          customerJwt,
        })
        .optional(),
    })
    .optional(),
});
export type PatchAppInput = z.output<typeof patchAppBody>;

// A page number as plain decimal digits, one spelling per value: `Number()`
// would also read `0x10`, `1e2`, ` 5`, `+5` and `5.0`, and a repeated parameter
// arrives as an array. `05` is refused too, as one more spelling of 5.
const queryInteger = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^(?:0|[1-9]\d*)$/, 'must be a whole number in plain decimal digits, given once')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .default(fallback);

export const listAppsQuery = z.object({
  page: queryInteger(1, 1_000_000, 1),
  limit: queryInteger(1, 100, 50),
});

export const appResource = z.object({
  id: z.string(),
  tenantId: z.string(),
  projectId: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  type: z.literal('web_client'),
  defaultAgentId: z.string().nullable(),
  prompt: z.string().nullable(),
  enabled: z.boolean(),
  config: z.object({
    type: z.literal('web_client'),
    webClient: z.object({
      allowedDomains: z.array(z.string()),
      allowAnonymous: z.boolean(),
      // Only the rules that are set; {} when none.
      customerJwt: z.object({ audience: z.string().optional(), issuer: z.string().optional(), singleUse: z.boolean().optional() }),
    }),
  }),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type AppResource = z.infer<typeof appResource>;
