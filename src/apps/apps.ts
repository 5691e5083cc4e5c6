// App records (§2.1): ids, the resource shape, and the merge-patch that turns
// a validated PATCH body into the fields to change. Every management lookup is
// scoped by tenant and project (the store does that), so another tenant's app
// is indistinguishable from a missing one.
import { randomBytes } from 'node:crypto';
import { appChanges } from '../audit/app-changes.js';
import { auditEvent, type WriteContext } from '../audit/audit-event.js';
import type { AppRecord, AppScope } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { AppResource, CreateAppInput, PatchAppInput } from './app-schema.js';
import { mergeCustomerJwt } from './customer-jwt-policy.js';

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
      webClient: {
        allowedDomains: app.allowedDomains,
        allowAnonymous: app.allowAnonymous,
        customerJwt: mergeCustomerJwt({}, app.customerJwt),
      },
    },
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}

const about = (app: AppRecord) => ({ tenantId: app.tenantId, projectId: app.projectId, appId: app.id, target: app.id });

export async function createApp(store: Store, ctx: WriteContext, scope: AppScope, input: CreateAppInput): Promise<AppRecord> {
  const now = new Date(ctx.clock.now());
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
    customerJwt: mergeCustomerJwt({}, input.config.webClient.customerJwt),
    createdAt: now,
    updatedAt: now,
  };
  await store.apps.create(app, auditEvent(ctx, 'app.created', about(app)));
  return app;
}

/**
 * Applies a merge-patch (RFC 7396): only the fields sent change. A patch that
 * changes no value writes nothing and records no event (§2.1).
 */
export function patchApp(store: Store, ctx: WriteContext, scope: AppScope, appId: string, patch: PatchAppInput) {
  const webClient = patch.config?.webClient;
  const fields = {
    name: patch.name,
    type: patch.type,
    description: patch.description,
    defaultAgentId: patch.defaultAgentId,
    prompt: patch.prompt,
    enabled: patch.enabled,
    allowedDomains: webClient?.allowedDomains,
    allowAnonymous: webClient?.allowAnonymous,
    updatedAt: new Date(ctx.clock.now()),
  };
  // The nested policy merges into the stored one, read with the row locked:
  // a concurrent PATCH of a sibling rule is kept, not overwritten.
  const policyPatch = webClient?.customerJwt;
  const changes =
    policyPatch === undefined ? fields : (before: AppRecord) => ({ ...fields, customerJwt: mergeCustomerJwt(before.customerJwt, policyPatch) });
  return store.apps.update(scope, appId, changes, (before, after) => {
    const changes = appChanges(toAppResource(before), toAppResource(after));
    return changes && auditEvent(ctx, 'app.updated', { ...about(before), changes });
  });
}

export function deleteApp(store: Store, ctx: WriteContext, scope: AppScope, appId: string): Promise<boolean> {
  return store.apps.delete(scope, appId, auditEvent(ctx, 'app.deleted', { ...scope, appId, target: appId }));
}
