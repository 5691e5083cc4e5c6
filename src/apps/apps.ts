// App records (§2.1): ids, the resource shape, and the merge-patch that turns
// a validated PATCH body into the fields to change. Every management lookup is
// scoped by tenant and project (the store does that), so another tenant's app
// is indistinguishable from a missing one.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { AppRecord, AppScope } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { AppResource, CreateAppInput, PatchAppInput } from './app-schema.js';

export type { AppRecord, AppScope };

export function newAppId(): string {
  // 128 random bits: ids are unguessable and never reused.
  return `app_${randomBytes(16).toString('base64url')}`;
}

export function toAppResource(app: AppRecord): AppResource {
  return {
    id: app.id,
    tenantId: app.tenantId,
    projectId: app.projectId,
    name: app.name,
    description: app.description,
    type: app.type,
    defaultAgentId: app.defaultAgentId,
    prompt: app.prompt,
    enabled: app.enabled,
    config: {
      type: app.type,
      webClient: { allowedDomains: app.allowedDomains, allowAnonymous: app.allowAnonymous },
    },
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}

export async function createApp(store: Store, clock: Clock, scope: AppScope, input: CreateAppInput): Promise<AppRecord> {
  const now = new Date(clock.now());
  const app: AppRecord = {
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
  await store.apps.create(app);
  return app;
}

/** Applies a merge-patch (RFC 7396): only the fields sent change. */
export function patchApp(store: Store, clock: Clock, scope: AppScope, appId: string, patch: PatchAppInput) {
  const webClient = patch.config?.webClient;
  return store.apps.update(scope, appId, {
    name: patch.name,
    type: patch.type,
    description: patch.description,
    defaultAgentId: patch.defaultAgentId,
    prompt: patch.prompt,
    enabled: patch.enabled,
    allowedDomains: webClient?.allowedDomains,
    allowAnonymous: webClient?.allowAnonymous,
    updatedAt: new Date(clock.now()),
  });
}
