import type { Queryable } from '../../db/driver.js';
import type { Caller } from './caller.js';
import { newId } from './ids.js';

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

export async function recordEvent(q: Queryable, caller: Caller, e: EventInput): Promise<string> {
  const id = newId('evt');
  const actor = e.actor ?? actorOf(caller);
  const data = e.data === undefined ? null : typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
  await q.query(
    `INSERT INTO events (tenant_id, id, type, actor_type, actor_id, credential_id, ip, user_agent, request_id,
                         object_type, object_id, changes, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::jsonb)`,
    [
      caller.tenantId, id, e.type, actor.type, actor.id, caller.principal?.credentialId ?? null, caller.ip,
      caller.userAgent, caller.requestId, e.objectType ?? null, e.objectId ?? null,
      e.changes === undefined ? null : JSON.stringify(e.changes), data,
    ],
  );
  return id;
}
