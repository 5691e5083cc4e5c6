// Who is calling the management API, and where that caller may act (§2.3).
// A scoped key reaches only its tenant (or one project of it), decided from
// the path alone: whether an app exists is never revealed to a caller outside
// its scope.
import type { Actor, ApiKeyRecord } from '../store/records.js';

export type Caller = { type: 'root' } | { type: 'api_key'; key: ApiKeyRecord };

export function actorOf(caller: Caller): Actor {
  return caller.type === 'root' ? { type: 'root' } : { type: 'api_key', id: caller.key.id, name: caller.key.name };
}

// Any valid key may ask who it is and where it may act (§2.7).
const ANY_CALLER = new Set(['/me', '/projects']);

/** Whether `caller` may use the management route at `path` (relative to /manage, without the query). */
export function mayReach(caller: Caller, path: string): boolean {
  if (caller.type === 'root') return true;
  if (ANY_CALLER.has(path)) return true;
  const [, first, tenantId, third, projectId] = path.split('/');
  if (first !== 'tenants' || tenantId !== caller.key.tenantId) return false;
  if (caller.key.projectId === null) return true;
  // A project key: its project's routes, and the tenant's audit events (listed for its project only).
  if (third === 'audit-events') return true;
  return third === 'projects' && projectId === caller.key.projectId;
}
