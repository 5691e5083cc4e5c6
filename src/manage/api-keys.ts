// Scoped management keys (§2.3). The root key creates one for a tenant, or one
// project of a tenant; its secret is shown once and only its SHA-256 is kept.
//
// Why a plain SHA-256 and lookup by hash: the secret is 256 random bits, so no
// dictionary or rainbow table can reach it and a salt or a slow hash would add
// nothing but cost per request. Looking the key up by its hash also means no
// secret is ever compared, in constant time or otherwise.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { auditEvent, type WriteContext } from '../audit/audit-event.js';
import { PATH_PATTERNS } from '../http/validation.js';
import type { ApiKeyRecord } from '../store/records.js';
import type { RevokeApiKeyResult, Store } from '../store/store.js';

export const API_KEY_PREFIX = 'lk_mgmt_';

export const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

export const createApiKeyBody = z.strictObject({
  name: z.string().min(1).max(200),
  tenantId: z.string().regex(PATH_PATTERNS.tenantId, `must match ${PATH_PATTERNS.tenantId.source}`),
  projectId: z.string().regex(PATH_PATTERNS.projectId, `must match ${PATH_PATTERNS.projectId.source}`).optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export type CreateApiKeyInput = z.output<typeof createApiKeyBody>;

export const apiKeyResource = z.object({
  id: z.string(),
  name: z.string(),
  tenantId: z.string(),
  projectId: z.string().nullable(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
export type ApiKeyResource = z.infer<typeof apiKeyResource>;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toApiKeyResource(key: ApiKeyRecord): ApiKeyResource {
  return {
    id: key.id,
    name: key.name,
    tenantId: key.tenantId,
    projectId: key.projectId,
    createdAt: key.createdAt.toISOString(),
    expiresAt: iso(key.expiresAt),
    lastUsedAt: iso(key.lastUsedAt),
    revokedAt: iso(key.revokedAt),
  };
}

export type CreateApiKeyResult = { ok: true; key: ApiKeyRecord; secret: string } | { ok: false; reason: 'expires_in_past' };

export async function createApiKey(store: Store, ctx: WriteContext, input: CreateApiKeyInput): Promise<CreateApiKeyResult> {
  const now = ctx.clock.now();
  const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt);
  if (expiresAt && expiresAt.getTime() <= now) return { ok: false, reason: 'expires_in_past' };
  const secret = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const key: ApiKeyRecord = {
    id: `key_${randomBytes(12).toString('base64url')}`,
    name: input.name,
    tenantId: input.tenantId,
    projectId: input.projectId ?? null,
    secretHash: hashSecret(secret),
    createdAt: new Date(now),
    expiresAt,
    lastUsedAt: null,
    revokedAt: null,
  };
  await store.apiKeys.create(
    key,
    auditEvent(ctx, 'api_key.created', { tenantId: key.tenantId, projectId: key.projectId, target: key.id }),
  );
  return { ok: true, key, secret };
}

export function revokeApiKey(store: Store, ctx: WriteContext, id: string): Promise<RevokeApiKeyResult> {
  return store.apiKeys.revoke(id, new Date(ctx.clock.now()), (key) =>
    auditEvent(ctx, 'api_key.revoked', { tenantId: key.tenantId, projectId: key.projectId, target: key.id }),
  );
}

/** The live key a presented secret belongs to: not revoked, not expired. Checked on every request. */
export async function findLiveApiKey(store: Store, presented: string, nowMs: number): Promise<ApiKeyRecord | undefined> {
  if (!presented.startsWith(API_KEY_PREFIX)) return undefined;
  const key = await store.apiKeys.findByHash(hashSecret(presented));
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= nowMs)) return undefined;
  return key;
}
