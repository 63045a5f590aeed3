import type { Queryable } from '../../../db/driver.js';

/**
 * A place in the outbox that the stream can resume from: the writing transaction and the row's
 * sequence number (migration 0010). Kept as text, since xid8 values outgrow a JS number.
 */
export interface StreamPosition {
  tx: string;
  seq: string;
}

export interface StreamRow extends StreamPosition {
  tenant_id: string;
  id: string;
  type: string;
  /** The message's JSON (event_stream_message). */
  message: string;
}

/** Replay looks back at most this far and this many events (README, "Events stream"). */
export const REPLAY_MAX_EVENTS = 1000;
export const REPLAY_MAX_HOURS = 24;

/** Where the stream stands: every event of an older transaction is final. */
export async function streamHead(q: Queryable): Promise<StreamPosition> {
  const { rows } = await q.query<{ head: string }>('SELECT event_stream_head() AS head');
  return { tx: rows[0]!.head, seq: '0' };
}

/**
 * The final events after `from` of these tenants and types, and the head of the same snapshot: when
 * fewer than `limit` come back, everything before the head has been seen and the cursor moves there.
 */
export async function streamAfter(
  q: Queryable, from: StreamPosition, tenants: string[], types: readonly string[], limit: number,
): Promise<{ head: StreamPosition; rows: StreamRow[] }> {
  const { rows } = await q.query<{ head: string } & Partial<StreamRow>>(
    `SELECT h.head, r.tenant_id, r.id, r.type, r.tx, r.seq::text AS seq, r.message
       FROM (SELECT event_stream_head() AS head) h
       LEFT JOIN LATERAL event_stream_after($1::xid8, $2::bigint, $3::text[], $4::text[], $5) r ON true
      ORDER BY r.tx::xid8, r.seq`,
    [from.tx, from.seq, tenants, types, limit],
  );
  const head = { tx: rows[0]!.head, seq: '0' };
  return { head, rows: rows.filter((r): r is { head: string } & StreamRow => r.id != null) };
}

/** The position of one of the tenant's events (a Last-Event-ID), or undefined. */
export async function positionOf(q: Queryable, tenantId: string, eventId: string): Promise<StreamPosition | undefined> {
  const { rows } = await q.query<StreamPosition>(
    'SELECT tx::text AS tx, seq::text AS seq FROM events WHERE tenant_id = $1 AND id = $2', [tenantId, eventId],
  );
  return rows[0];
}

/** The tenant's events after `from` up to `to` (inclusive), oldest first: the last 1,000 of the last 24 hours at most. */
export async function replay(
  q: Queryable, tenantId: string, from: StreamPosition, to: StreamPosition, types: readonly string[],
): Promise<StreamRow[]> {
  const { rows } = await q.query<StreamRow>(
    `SELECT tenant_id, id, type, tx, seq, message FROM (
       SELECT e.tenant_id, e.id, e.type, e.tx::text AS tx, e.seq::text AS seq, e.tx AS t, e.seq AS s, event_stream_message(e) AS message
         FROM events e
        WHERE e.tenant_id = $1 AND (e.tx, e.seq) > ($2::xid8, $3::bigint) AND (e.tx, e.seq) <= ($4::xid8, $5::bigint)
          AND e.type = ANY($6::text[]) AND e.created_at > now() - make_interval(hours => $7)
        ORDER BY e.tx DESC, e.seq DESC
        LIMIT $8) r
      ORDER BY t, s`,
    [tenantId, from.tx, from.seq, to.tx, to.seq, types, REPLAY_MAX_HOURS, REPLAY_MAX_EVENTS],
  );
  return rows;
}
