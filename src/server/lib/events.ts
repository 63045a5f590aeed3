import type { Queryable } from '../../db/driver.js';
import type { Caller } from './caller.js';
import { newId } from './ids.js';
import { Params } from './sql.js';

/**
 * The one place that writes events: object changes (history, webhooks) and security events (audit
 * log) alike. Call it with the same Queryable as the change, inside its transaction, so that a
 * change that rolls back records nothing and a committed change always has its event.
 */
export interface EventInput {
  /** e.g. `finding.created`, `finding.status_changed`, `auth.login_failed`, `token.revoked`. */
  type: string;
  objectType?: string;
  objectId?: string;
  /** For updates: the fields that changed, with old and new values. */
  changes?: Record<string, { old: unknown; new: unknown }>;
  /** The object as the API returns it (JSON text from the database, or an object). */
  data?: string | object;
  /** Overrides the actor taken from the caller (e.g. the user a failed login was for). */
  actor?: { type: 'user' | 'service_account' | 'system' | 'anonymous'; id: string | null };
}

export function actorOf(caller: Caller): { type: 'user' | 'service_account' | 'system' | 'anonymous'; id: string | null } {
  const p = caller.principal;
  if (!p) return { type: 'system', id: null };
  return p.userId ? { type: 'user', id: p.userId } : { type: 'service_account', id: p.serviceAccountId };
}

/** The columns of an event row that come from the caller: who did it, from where. */
export const EVENT_ORIGIN_COLUMNS = ['actor_type', 'actor_id', 'credential_id', 'ip', 'user_agent', 'request_id'] as const;

/** The columns of an event row, in the order `eventRow` renders them. */
export const EVENT_COLUMNS = ['tenant_id', 'id', 'type', ...EVENT_ORIGIN_COLUMNS, 'object_type', 'object_id', 'changes', 'data'].join(', ');

export function eventOrigin(caller: Caller, actor = actorOf(caller)): Record<(typeof EVENT_ORIGIN_COLUMNS)[number], string | null> {
  return {
    actor_type: actor.type,
    actor_id: actor.id,
    credential_id: caller.principal?.credentialId ?? null,
    ip: caller.ip,
    user_agent: caller.userAgent,
    request_id: caller.requestId,
  };
}

/**
 * One event row as an SQL select list over parameters: what the caller and `e` fix are bound, while
 * the object id, changes and data are SQL expressions, so a row can be written from the very
 * statement that makes the change (`INSERT … SELECT` over a CTE, see crud.ts). Returns the event's
 * id unless `sql.id` makes it.
 */
export function eventRow(
  p: Params,
  caller: Caller,
  e: Pick<EventInput, 'type' | 'objectType' | 'actor'>,
  sql: { objectId: string; changes: string; data: string; /** SQL making the id, for several rows at once */ id?: string },
): { id: string | undefined; select: string } {
  const id = sql.id === undefined ? newId('evt') : undefined;
  const origin = eventOrigin(caller, e.actor ?? actorOf(caller));
  const text = (v: unknown) => `${p.add(v ?? null)}::text`;
  const select = [
    text(caller.tenantId), sql.id ?? text(id), text(e.type), ...EVENT_ORIGIN_COLUMNS.map((c) => text(origin[c])),
    text(e.objectType), sql.objectId, sql.changes, sql.data,
  ].join(', ');
  return { id, select };
}

export async function recordEvent(q: Queryable, caller: Caller, e: EventInput): Promise<string> {
  const p = new Params();
  const data = e.data === undefined ? null : typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
  const row = eventRow(p, caller, e, {
    objectId: `${p.add(e.objectId ?? null)}::text`,
    changes: `${p.add(e.changes === undefined ? null : JSON.stringify(e.changes))}::jsonb`,
    data: `${p.add(data)}::jsonb`,
  });
  await q.query(`INSERT INTO events (${EVENT_COLUMNS}) SELECT ${row.select}`, p.values);
  return row.id!;
}

/** What a row operation in crud.ts needs to write the change's event in the same statement. */
export interface ChangeEvent {
  caller: Caller;
  /** `finding` → `finding.created|updated|deleted`. */
  objectType: string;
  /** Extra events when a field changes in an update, e.g. `{ status: 'finding.status_changed' }`. */
  fieldEvents?: Record<string, string>;
}
