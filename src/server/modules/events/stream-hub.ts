import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../../db/driver.js';
import type { Worker } from '../../types.js';
import { createPoller } from '../../lib/poller.js';
import { streamAfter, streamHead, type StreamPosition, type StreamRow } from './stream-repo.js';

/** One open stream as the hub sees it. */
export interface StreamSubscriber {
  tenantId: string;
  /** The event types it may see (its credential's read scopes); replaced when a re-check changes them. */
  types: ReadonlySet<string>;
  deliver(row: StreamRow): void;
  /** The server is closing. */
  end(): void;
}

export interface StreamHub extends Worker {
  /**
   * Adds a stream; it receives every event after the returned position (its "now"), so a replay
   * up to that position and the live events together miss nothing and repeat nothing.
   */
  subscribe(s: StreamSubscriber): Promise<{ from: StreamPosition; unsubscribe: () => void }>;
}

const BATCH = 1000;

export function isAfter(a: StreamPosition, b: StreamPosition): boolean {
  const [at, bt] = [BigInt(a.tx), BigInt(b.tx)];
  return at !== bt ? at > bt : BigInt(a.seq) > BigInt(b.seq);
}

/**
 * The one outbox poller of this process, for every connected stream: each tick is one query for
 * all of them (the tenants with streams open), not one per connection. Events written by other
 * instances arrive the same way, since they all write the same table.
 */
export function createStreamHub(opts: { db: Database; types: readonly string[]; pollMs: number; log: FastifyBaseLogger }): StreamHub {
  const subs = new Set<StreamSubscriber>();
  let cursor: StreamPosition | undefined;
  // While nobody listens the cursor is not kept up; the first subscriber takes the head afresh.
  let stale = true;
  let refreshing: Promise<void> | undefined;
  let inFlight: Promise<void> | undefined;

  async function poll() {
    if (subs.size === 0 || !cursor) return;
    const tenants = [...new Set([...subs].map((s) => s.tenantId))];
    const { head, rows } = await opts.db.system((q) => streamAfter(q, cursor!, tenants, opts.types, BATCH));
    for (const row of rows) {
      for (const s of subs) if (s.tenantId === row.tenant_id && s.types.has(row.type)) s.deliver(row);
    }
    const last = rows.at(-1);
    // A full batch may have more behind it: continue from its last row at once.
    cursor = rows.length === BATCH && last ? last : head;
    if (rows.length === BATCH) poller.wake();
  }

  const poller = createPoller({
    intervalMs: opts.pollMs,
    claim: async () => {
      inFlight = poll();
      try {
        await inFlight;
      } finally {
        inFlight = undefined;
      }
    },
    onError: (err) => opts.log.error({ err }, 'events stream: reading the outbox failed'),
  });

  return {
    name: 'events-stream',
    start: () => poller.start(),
    closing() {
      for (const s of [...subs]) s.end();
    },
    stop: () => poller.stop(),
    async subscribe(s) {
      // A poll in flight read for the tenants it knew: a new tenant's stream starts after it.
      for (;;) {
        if (inFlight) await inFlight.catch(() => undefined);
        else if (subs.size === 0 && stale) {
          refreshing ??= opts.db.system(streamHead).then((head) => {
            cursor = head;
            stale = false;
          }).finally(() => (refreshing = undefined));
          await refreshing;
        } else break;
      }
      subs.add(s);
      return {
        from: cursor!,
        unsubscribe() {
          subs.delete(s);
          if (subs.size === 0) stale = true;
        },
      };
    },
  };
}
