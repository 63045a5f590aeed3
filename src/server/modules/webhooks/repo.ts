import type { Queryable } from '../../../db/driver.js';
import { equals, flag, oneOf, type ListSpec } from '../../lib/list.js';
import { jsonObject } from '../../lib/sql.js';

export const webhooks: ListSpec = {
  table: 'webhooks',
  alias: 'w',
  json: jsonObject({
    id: 'w.id', url: 'w.url', events: 'to_json(w.events)', description: 'w.description', active: 'w.active',
    disabled_reason: 'w.disabled_reason', disabled_at: 'iso(w.disabled_at)', failing_since: 'iso(w.failing_since)',
    previous_secret_expires_at: 'CASE WHEN w.previous_expires_at > now() THEN iso(w.previous_expires_at) END',
    created_at: 'iso(w.created_at)', updated_at: 'iso(w.updated_at)',
  }),
  sorts: { created_at: 'w.created_at', updated_at: 'w.updated_at' },
  filters: { active: flag('active') },
};

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

export const deliveries: ListSpec = {
  table: 'webhook_deliveries',
  alias: 'd',
  json: jsonObject({
    id: 'd.id', webhook_id: 'd.webhook_id', event_id: 'd.event_id', event: 'd.event_type', status: 'd.status',
    attempt: 'd.attempts', attempted_at: 'iso(d.last_attempt_at)', duration_ms: 'd.duration_ms',
    response_status: 'd.response_status', response_body: 'd.response_body', error: 'd.error',
    next_attempt_at: `CASE WHEN d.status = 'pending' THEN iso(d.next_attempt_at) END`, redelivery_of: 'd.redelivery_of',
    created_at: 'iso(d.created_at)',
  }),
  sorts: { created_at: 'd.created_at' },
  filters: {
    status: oneOf('status', 'status', DELIVERY_STATUSES),
    event: equals('event_type'),
    event_id: equals('event_id'),
  },
};

/** Replaces the secret; the old one keeps signing beside it for `overlapHours`. */
export async function rotateSecret(q: Queryable, tenantId: string, id: string, secretEnc: string, overlapHours: number) {
  const { rows } = await q.query<{ j: string }>(
    `UPDATE webhooks w SET previous_secret_enc = w.secret_enc, secret_enc = $3,
            previous_expires_at = now() + make_interval(hours => $4), updated_at = now()
      WHERE w.tenant_id = $1 AND w.id = $2
     RETURNING (${webhooks.json})::text AS j`,
    [tenantId, id, secretEnc, overlapHours],
  );
  return rows[0]?.j;
}

/** Queues one delivery of an event to a webhook, due now. */
export async function queueDelivery(
  q: Queryable, tenantId: string, webhookId: string, eventId: string, eventType: string, redeliveryOf: string | null,
): Promise<string> {
  const { rows } = await q.query<{ j: string }>(
    `INSERT INTO webhook_deliveries AS d (tenant_id, id, webhook_id, event_id, event_type, next_attempt_at, redelivery_of)
     VALUES ($1, new_id('dlv'), $2, $3, $4, clock_timestamp(), $5)
     RETURNING (${deliveries.json})::text AS j`,
    [tenantId, webhookId, eventId, eventType, redeliveryOf],
  );
  return rows[0]!.j;
}

export async function findDelivery(q: Queryable, tenantId: string, webhookId: string, id: string) {
  const { rows } = await q.query<{ event_id: string; event_type: string }>(
    'SELECT event_id, event_type FROM webhook_deliveries WHERE tenant_id = $1 AND webhook_id = $2 AND id = $3',
    [tenantId, webhookId, id],
  );
  return rows[0];
}

/**
 * One delivery with the request body it sends: the event as the dispatcher signs it (webhook_claim),
 * or null once the event has left the outbox.
 */
export async function deliveryDetail(q: Queryable, tenantId: string, webhookId: string, id: string) {
  const { rows } = await q.query<{ j: string }>(
    `SELECT (${deliveries.json}::jsonb || jsonb_build_object('request_body',
              (SELECT json_build_object('id', e.id, 'event', e.type, 'timestamp', iso(e.created_at), 'tenant', e.tenant_id, 'data', e.data)::text
                 FROM events e WHERE e.tenant_id = d.tenant_id AND e.id = d.event_id)))::text AS j
       FROM webhook_deliveries d WHERE d.tenant_id = $1 AND d.webhook_id = $2 AND d.id = $3`,
    [tenantId, webhookId, id],
  );
  return rows[0]?.j;
}

/**
 * Whether the webhook is on (undefined: there is none). In a transaction it stays there until the
 * end (KEY SHARE: a delete waits), so a delivery queued after it never outlives its webhook.
 */
export async function isActive(q: Queryable, tenantId: string, id: string): Promise<boolean | undefined> {
  const { rows } = await q.query<{ active: boolean }>(
    'SELECT active FROM webhooks WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE',
    [tenantId, id],
  );
  return rows[0]?.active;
}

// ---- The dispatcher's statements ----

export interface ClaimedDelivery {
  tenant_id: string;
  webhook_id: string;
  url: string;
  secret_enc: string;
  previous_secret_enc: string | null;
  delivery_id: string;
  attempts: number;
  event_id: string;
  body: string;
}

/** Leases webhooks with due deliveries to `owner` across tenants (SECURITY DEFINER, SKIP LOCKED). */
export async function claim(q: Queryable, owner: string, leaseMs: number, hooks: number, batch: number): Promise<ClaimedDelivery[]> {
  const { rows } = await q.query<ClaimedDelivery>('SELECT * FROM webhook_claim($1, $2, $3, $4)', [owner, leaseMs, hooks, batch]);
  return rows;
}

export interface AttemptOutcome {
  status: 'pending' | 'succeeded' | 'failed';
  nextAttemptAt: Date | null;
  attemptedAt: Date;
  durationMs: number;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  /** Turns the webhook off with this reason (410 Gone). */
  disableReason: string | null;
}

/**
 * Records a run of attempts of one webhook (successes, then at most one failure, which ended the
 * run), renews the lease, and keeps the webhook's failure streak: a success ends it; a failure on a
 * webhook failing for `disableAfterMs` turns it off with a reason its owner sees, as does a 410.
 * Returns whether the webhook is still active.
 */
export async function recordAttempts(
  q: Queryable, tenantId: string, webhookId: string, attempts: { deliveryId: string; outcome: AttemptOutcome }[],
  owner: string, leaseMs: number, disableAfterMs: number,
): Promise<boolean> {
  const last = attempts.at(-1)!.outcome;
  const col = <T>(f: (o: AttemptOutcome) => T) => attempts.map((a) => f(a.outcome));
  const { rows } = await q.query<{ active: boolean }>(
    // The webhook's row is locked first (l, an InitPlan of d), as DELETE /webhooks/:id locks it
    // before its trigger deletes the deliveries: updating the deliveries first deadlocked with it.
    // A webhook deleted meanwhile leaves l empty, and nothing is written.
    `WITH l AS (
       SELECT 1 FROM webhooks WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE
     ), o AS (
       SELECT * FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::int[], $8::int[], $9::text[], $10::text[])
         AS o(id, status, next_at, at, duration, code, body, error)
     ), d AS (
       UPDATE webhook_deliveries x SET status = o.status, attempts = x.attempts + 1, next_attempt_at = o.next_at,
              last_attempt_at = o.at, duration_ms = o.duration, response_status = o.code, response_body = o.body, error = o.error
         FROM o WHERE x.tenant_id = $1 AND x.id = o.id AND EXISTS (SELECT 1 FROM l) RETURNING 1)
     UPDATE webhooks w SET
       lease_until = CASE WHEN w.lease_owner = $12 THEN clock_timestamp() + make_interval(secs => $13 / 1000.0) ELSE w.lease_until END,
       failing_since = CASE WHEN $11 THEN NULL ELSE coalesce(w.failing_since, $16::timestamptz) END,
       active = w.active AND $14::text IS NULL
                AND ($11 OR w.failing_since IS NULL OR w.failing_since > $16::timestamptz - make_interval(secs => $15 / 1000.0)),
       disabled_reason = CASE
         WHEN $14::text IS NOT NULL THEN $14
         WHEN NOT $11 AND w.failing_since <= $16::timestamptz - make_interval(secs => $15 / 1000.0)
           THEN 'Every delivery failed since ' || iso(w.failing_since) || '; last error: ' || coalesce($17, 'unknown')
         ELSE w.disabled_reason END,
       disabled_at = CASE
         WHEN $14::text IS NOT NULL OR (NOT $11 AND w.failing_since <= $16::timestamptz - make_interval(secs => $15 / 1000.0))
           THEN clock_timestamp() ELSE w.disabled_at END
      WHERE w.tenant_id = $1 AND w.id = $2 AND EXISTS (SELECT 1 FROM d)
     RETURNING w.active`,
    [
      tenantId, webhookId, attempts.map((a) => a.deliveryId), col((o) => o.status), col((o) => o.nextAttemptAt?.toISOString() ?? null),
      col((o) => o.attemptedAt.toISOString()), col((o) => o.durationMs), col((o) => o.responseStatus), col((o) => o.responseBody),
      col((o) => o.error), last.status === 'succeeded', owner, leaseMs, last.disableReason, disableAfterMs,
      last.attemptedAt.toISOString(), last.error,
    ],
  );
  return rows[0]?.active ?? false;
}

/** Ends a turn; the time it ended puts the webhook behind the others at the next claim (fairness). */
export async function releaseLease(q: Queryable, tenantId: string, webhookId: string, owner: string) {
  await q.query(
    'UPDATE webhooks SET lease_owner = NULL, lease_until = clock_timestamp() WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3',
    [tenantId, webhookId, owner],
  );
}
