// App records: create, read, merge-patch, delete. Every lookup by the
// management API is scoped by tenant and project, so another tenant's app is
// indistinguishable from a missing one.
import { randomBytes } from 'node:crypto';
import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import { apps } from '../db/schema.js';
import type { AppResource, CreateAppInput, PatchAppInput } from './app-schema.js';

export type AppRow = typeof apps.$inferSelect;

export interface Scope {
  tenantId: string;
  projectId: string;
}

export function newAppId(): string {
  // 128 random bits: ids are unguessable and never reused.
  return `app_${randomBytes(16).toString('base64url')}`;
}

export function toAppResource(row: AppRow): AppResource {
  return {
    id: row.id,
    tenantId: row.tenantId,
    projectId: row.projectId,
    name: row.name,
    description: row.description,
    type: row.type,
    defaultAgentId: row.defaultAgentId,
    prompt: row.prompt,
    enabled: row.enabled,
    config: {
      type: row.type,
      webClient: { allowedDomains: row.allowedDomains, allowAnonymous: row.allowAnonymous },
    },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const inScope = (scope: Scope, appId: string) =>
  and(eq(apps.id, appId), eq(apps.tenantId, scope.tenantId), eq(apps.projectId, scope.projectId));

export function createApp(db: Db, clock: Clock, scope: Scope, input: CreateAppInput): AppRow {
  const now = new Date(clock.now());
  const row: AppRow = {
    id: newAppId(),
    tenantId: scope.tenantId,
    projectId: scope.projectId,
    name: input.name,
    description: input.description ?? null,
    type: input.type,
    defaultAgentId: input.defaultAgentId ?? null,
    prompt: input.prompt ?? null,
    enabled: input.enabled,
    allowedDomains: input.config.webClient.allowedDomains,
    allowAnonymous: input.config.webClient.allowAnonymous,
    createdAt: now,
    updatedAt: now,
  };
  db.insert(apps).values(row).run();
  return row;
}

export function listApps(db: Db, scope: Scope, page: number, limit: number) {
  const where = and(eq(apps.tenantId, scope.tenantId), eq(apps.projectId, scope.projectId));
  const rows = db
    .select()
    .from(apps)
    .where(where)
    // rowid, not the random id, breaks ties between apps created in the same millisecond.
    .orderBy(asc(apps.createdAt), sql`rowid`)
    .limit(limit)
    .offset((page - 1) * limit)
    .all();
  const total = db.select({ n: count() }).from(apps).where(where).get()?.n ?? 0;
  return { rows, total };
}

export function getScopedApp(db: Db, scope: Scope, appId: string): AppRow | undefined {
  return db.select().from(apps).where(inScope(scope, appId)).get();
}

export function getAppById(db: Db, appId: string): AppRow | undefined {
  return db.select().from(apps).where(eq(apps.id, appId)).get();
}

export function patchApp(db: Db, clock: Clock, scope: Scope, appId: string, patch: PatchAppInput): AppRow | undefined {
  const webClient = patch.config?.webClient;
  const changes: Partial<AppRow> = {
    name: patch.name,
    type: patch.type,
    description: patch.description,
    defaultAgentId: patch.defaultAgentId,
    prompt: patch.prompt,
    enabled: patch.enabled,
    allowedDomains: webClient?.allowedDomains,
    allowAnonymous: webClient?.allowAnonymous,
  };
  // drizzle leaves `undefined` columns alone, which is exactly merge-patch.
  return db
    .update(apps)
    .set({ ...changes, updatedAt: new Date(clock.now()) })
    .where(inScope(scope, appId))
    .returning()
    .get();
}

export function deleteApp(db: Db, scope: Scope, appId: string): boolean {
  // auth_keys rows go with it (ON DELETE CASCADE).
  return db.delete(apps).where(inScope(scope, appId)).run().changes === 1;
}
