import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../db/driver.js';
import type { TotalMemo } from './list.js';
import { sendBody } from './reply.js';

/**
 * Rendered responses of the core reads (clients, projects, assets, findings), kept per tenant and
 * served again only while the tenant's data version (0005_data_versions.sql) is the one they were
 * rendered at. Exact, also with several servers on one database: the version is read from the
 * database by a probe that starts after the request arrived, so a response never misses a change
 * committed before the request came in.
 *
 * A probe is one tiny statement for every tenant with requests waiting: requests that arrive while
 * one is in flight wait for the next, so under load one probe answers many requests. A miss
 * renders as usual and is stored under the version the probe read; a change committed between the
 * probe and the render only makes that entry a miss for the next request (versions only grow).
 */
export interface ReadCache {
  /**
   * Sends the 200 response for this request: the body (a rendered envelope) from the cache, or
   * `render()`ed and kept. Kept encoded, so a hit is written out without converting the text again.
   */
  send(request: FastifyRequest, reply: FastifyReply, render: () => Promise<string>): Promise<void>;
  /**
   * List totals by filters and data version (lib/list.ts TotalMemo), for the lists of the tables
   * the cache serves; undefined when the cache is off.
   */
  totals: TotalMemo | undefined;
  /** Counters for tests and operators. */
  stats(): { hits: number; misses: number; entries: number; bytes: number; probes: number };
}

/** The most totals kept: a key is a tenant, a list and its filters, ~200 bytes with its value. */
const MAX_TOTALS = 20_000;

function totalMemo(): TotalMemo {
  // Map order is the eviction order, as for the responses.
  const totals = new Map<string, { version: string; total: number }>();
  return {
    get(key) {
      const known = totals.get(key);
      if (known) {
        totals.delete(key);
        totals.set(key, known);
      }
      return known;
    },
    set(key, version, total) {
      totals.delete(key);
      totals.set(key, { version, total });
      if (totals.size > MAX_TOTALS) totals.delete(totals.keys().next().value!);
    },
  };
}

interface Entry {
  version: string;
  body: Buffer;
}

interface Round {
  tenants: Set<string>;
  done: Promise<Map<string, string>>;
  resolve(versions: Map<string, string>): void;
  reject(err: unknown): void;
}

function newRound(): Round {
  const round = { tenants: new Set<string>() } as Round;
  round.done = new Promise((resolve, reject) => Object.assign(round, { resolve, reject }));
  round.done.catch(() => undefined); // a failed probe is reported to each request waiting on it
  return round;
}

/**
 * Reads tenants' data versions in rounds: one statement in flight at a time. On the embedded
 * database, which this process has to itself, a version read when the process had run n
 * statements still holds while that count stays n: no round is needed then.
 */
class VersionProbe {
  private next: Round | undefined;
  private busy = false;
  private known: { statements: number; versions: Map<string, string> } | undefined;
  probes = 0;

  constructor(private readonly db: Database) {}

  async current(tenantId: string): Promise<string> {
    const known = this.known?.statements === this.db.statementsRun?.() ? this.known?.versions.get(tenantId) : undefined;
    if (known !== undefined) return known;
    const round = (this.next ??= newRound());
    round.tenants.add(tenantId);
    if (!this.busy) {
      this.busy = true;
      // On the next turn of the event loop, so requests read in this one share the round.
      setImmediate(() => void this.drain());
    }
    return (await round.done).get(tenantId)!;
  }

  private async drain() {
    while (this.next) {
      const round = this.next;
      this.next = undefined;
      this.probes++;
      try {
        // The tenants known so far are read again too, so that they stay known at the new count.
        const tenants = new Set([...round.tenants, ...[...(this.known?.versions.keys() ?? [])].slice(0, 100)]);
        // data_versions_of names its tenants and reads as the owner: any connection will do, with
        // whatever tenant it serves left set.
        const { rows, statements } = await this.db.anyBinding(async (q) => {
          const result = await q.query<{ tenant_id: string; version: string }>(
            'SELECT tenant_id, version FROM data_versions_of($1)', [[...tenants]]);
          // Counted right after the probe, before anything else can run on the connection.
          return { rows: result.rows, statements: this.db.statementsRun?.() };
        });
        const versions = new Map(rows.map((r) => [r.tenant_id, r.version]));
        if (statements !== undefined) this.known = { statements, versions };
        round.resolve(versions);
      } catch (err) {
        round.reject(err);
      }
    }
    this.busy = false;
  }
}

/**
 * The tenant (from the credential) and the URL as sent: one URL always reaches the same route with
 * the same parameters, and it has passed that route's validation by the time this runs.
 */
function keyOf(request: FastifyRequest): [tenantId: string, key: string] {
  const tenantId = request.principal.tenantId;
  return [tenantId, `${tenantId}\n${request.url}`];
}

export function createReadCache({ db, maxBytes }: { db: Database; maxBytes: number }): ReadCache {
  const probe = new VersionProbe(db);
  // Map order is the eviction order: an entry moves to the end when it is used.
  const entries = new Map<string, Entry>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;

  const drop = (key: string, entry: Entry) => {
    entries.delete(key);
    bytes -= key.length + entry.body.length;
  };

  async function body(request: FastifyRequest, render: () => Promise<string>): Promise<Buffer> {
    if ((request.routeOptions.config as { cached?: boolean }).cached !== true) {
      // Only routes that declare it are checked against their module's cachedTables.
      throw new Error(`route ${request.routeOptions.url} uses the read cache without config.cached`);
    }
    if (maxBytes === 0) return Buffer.from(await render());
    const [tenantId, key] = keyOf(request);
    const version = await probe.current(tenantId);
    const cached = entries.get(key);
    if (cached) {
      drop(key, cached);
      if (cached.version === version) {
        hits++;
        entries.set(key, cached);
        bytes += key.length + cached.body.length;
        return cached.body;
      }
    }
    misses++;
    const rendered = Buffer.from(await render());
    const size = key.length + rendered.length;
    if (size <= maxBytes / 16) {
      const old = entries.get(key);
      if (old) drop(key, old);
      entries.set(key, { version, body: rendered });
      bytes += size;
      for (const [k, e] of entries) {
        if (bytes <= maxBytes) break;
        drop(k, e);
      }
    }
    return rendered;
  }

  return {
    async send(request, reply, render) {
      sendBody(reply, await body(request, render));
    },
    totals: maxBytes === 0 ? undefined : totalMemo(),
    stats: () => ({ hits, misses, entries: entries.size, bytes, probes: probe.probes }),
  };
}
