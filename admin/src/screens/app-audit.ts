// An app's audit events (§2.4), newest first, fifty at a time.
import { api, type ApiError } from '../api.js';
import { alertSlot, h, row, table, time } from '../dom.js';
import type { Ctx } from '../main.js';
import { appNav, type AppRef } from './app-nav.js';

export interface AuditEvent {
  id: string;
  at: string;
  action: string;
  actor: { type: string; id?: string; name?: string };
  target: string | null;
  changes: Record<string, unknown> | null;
  ip: string | null;
}

const show = (value: unknown) => (value === null || value === undefined ? 'none' : JSON.stringify(value));

/** `config.webClient.allowAnonymous: true → false`, one line per changed field. */
export function changesText(changes: AuditEvent['changes']): string {
  if (!changes) return '';
  return Object.entries(changes)
    .map(([field, change]) => {
      const c = change as { from?: unknown; to?: unknown } | null;
      return c && typeof c === 'object' && 'from' in c && 'to' in c ? `${field}: ${show(c.from)} → ${show(c.to)}` : `${field}: ${show(change)}`;
    })
    .join('\n');
}

export const actorText = (a: AuditEvent['actor']) => (a.type === 'api_key' ? `key ${a.name ?? ''} (${a.id ?? ''})` : a.type);

export function auditRow(e: AuditEvent): HTMLTableRowElement {
  return row(time(e.at), h('code', {}, e.action), actorText(e.actor), e.target ? h('code', { class: 'wrap' }, e.target) : '—', h('pre', { class: 'changes' }, changesText(e.changes)), e.ip ?? '—');
}

export async function appAuditScreen(_ctx: Ctx, ref: AppRef): Promise<HTMLElement> {
  const base = `/tenants/${encodeURIComponent(ref.tenantId)}/audit-events?limit=50&appId=${encodeURIComponent(ref.appId)}`;
  const events: AuditEvent[] = [];
  let cursor: string | null = null;
  const list = h('div', {});
  const refusal = alertSlot();
  const more = h('button', { type: 'button' }, 'Load older events');

  async function load(): Promise<void> {
    const page: { data: AuditEvent[]; nextCursor: string | null } = await api('GET', cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base);
    events.push(...page.data);
    cursor = page.nextCursor;
    more.hidden = cursor === null;
    list.replaceChildren(table('Audit events, newest first', ['When', 'Action', 'By', 'Target', 'Changes', 'IP'], events.map(auditRow), 'No event yet.'));
  }
  more.addEventListener('click', () => {
    refusal.clear();
    load().catch((error: ApiError) => refusal.show(error));
  });
  await load();

  return h('section', {}, ...appNav(ref, '/audit'), h('h1', {}, 'Audit events'), list, refusal.el, h('div', { class: 'actions' }, more));
}
