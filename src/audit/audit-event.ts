// Audit events (§2.4): who changed what, where from. Each write use-case
// builds its event here and hands it to the store with the write, which keeps
// both in one transaction. An event never holds a secret, a token or key
// material beyond a thumbprint: the builders below take ids, names and the
// fields the contract lists, nothing else.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Actor, AuditEventRecord } from '../store/records.js';

export const AUDIT_ACTIONS = [
  'app.created',
  'app.updated',
  'app.deleted',
  'auth_key.added',
  'auth_key.deleted',
  'api_key.created',
  'api_key.revoked',
  'session.revoked',
  'signing_key.rotated',
  'signing_key.revoked',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who is writing and from where: built once per request from its authentication. */
export interface WriteContext {
  actor: Actor;
  /** The client IP as TRUST_PROXY gives it (IPv4 as a dotted quad); null for the command line. */
  ip: string | null;
  /** The request's X-Request-Id; null for the command line. */
  requestId: string | null;
  clock: Clock;
}

export function auditEvent(
  ctx: WriteContext,
  action: AuditAction,
  about: {
    tenantId?: string | null;
    projectId?: string | null;
    appId?: string | null;
    target?: string | null;
    changes?: Record<string, unknown> | null;
  },
): AuditEventRecord {
  return {
    id: `evt_${randomBytes(12).toString('base64url')}`,
    at: new Date(ctx.clock.now()),
    action,
    actor: ctx.actor,
    tenantId: about.tenantId ?? null,
    projectId: about.projectId ?? null,
    appId: about.appId ?? null,
    target: about.target ?? null,
    changes: about.changes ?? null,
    ip: ctx.ip,
    requestId: ctx.requestId,
  };
}

export const auditEventResource = z.object({
  id: z.string(),
  at: z.iso.datetime(),
  action: z.enum(AUDIT_ACTIONS),
  actor: z.union([
    z.object({ type: z.literal('root') }),
    z.object({ type: z.literal('api_key'), id: z.string(), name: z.string() }),
    z.object({ type: z.literal('cli') }),
  ]),
  tenantId: z.string().nullable(),
  projectId: z.string().nullable(),
  appId: z.string().nullable(),
  target: z.string().nullable(),
  changes: z.record(z.string(), z.unknown()).nullable(),
  ip: z.string().nullable(),
  requestId: z.string().nullable(),
});
export type AuditEventResource = z.infer<typeof auditEventResource>;

export function toAuditEventResource(event: AuditEventRecord): AuditEventResource {
  return { ...event, action: event.action as AuditAction, at: event.at.toISOString() };
}

// The paging cursor is opaque to clients: a position, base64url-wrapped so
// nobody builds one by hand and the format can change.
export const encodeCursor = (position: number) => Buffer.from(`v1:${position}`, 'utf8').toString('base64url');

export function decodeCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return undefined;
  const match = /^v1:([1-9][0-9]{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}
