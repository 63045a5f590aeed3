import type { FastifyBaseLogger } from 'fastify';
import type { Database, Queryable } from '../../../db/driver.js';
import { createPoller } from '../../lib/poller.js';
import type { Worker } from '../../types.js';

/**
 * The counter tables (finding_counts 0001, finding_terms 0012, finding_weeks 0016, the word
 * bitmaps of finding_word_bits 0022, finding_sort_counts 0024) keep a row per group and slot:
 * each connection writes its own slot (of 16, by backend pid), so concurrent writers do not queue
 * behind each other's commits. Every total summed from them reads all the slots of its groups:
 * once 16 connections have written, the tenant-wide total of a plain list sums 480 rows (5
 * severities × 6 statuses × 16 slots) on as many heap pages, and a word's total as many.
 * Measured with pgbench: 0.25 ms a sum of 480 rows, 0.12 ms over one row a group, 0.07 ms for
 * `SELECT 1`.
 *
 * Folding moves the committed slot rows of a tenant into one row a group, in slot FOLDED, which no
 * writer uses (they write pg_backend_pid() % 16). Each step deletes slot rows and adds their sums
 * to the folded rows in one statement: every sum is the same before and after it, and a reader's
 * snapshot sees one or the other. A fold never waits for a writer: a slot row locked by a writer's
 * open transaction is skipped (SKIP LOCKED) and folded the next time, and the folded rows are
 * written by folds alone (a project's delete, which deletes counter rows of every slot, first holds
 * the tenant's folds off: holdCounterFolds). A writer whose slot row is being folded waits for the
 * step to commit, then inserts its row again. Two folds of one tenant never run together (an
 * advisory lock; the second stops).
 */
export const FOLDED = -1;
/** The advisory lock of a tenant's folds, over $1 the tenant id. */
const LOCK = "hashtext('neuro.counter_fold'), hashtext($1)";

/**
 * Each table's groups, and how its slot rows add up: the counters' sums, and the XOR of the word
 * bitmaps' chunks (finding_word_bits, 0022), where a step that adds up to nothing is dropped.
 */
const TABLES: { table: string; groups: string[]; value: string; sum: string; add: string; nonZero: string }[] = [
  ...[
    { table: 'finding_counts', groups: ['tenant_id', 'severity', 'status', 'project_id'] },
    { table: 'finding_terms', groups: ['tenant_id', 'kind', 'term', 'severity', 'status'] },
    { table: 'finding_weeks', groups: ['tenant_id', 'tag', 'week', 'severity', 'status'] },
    { table: 'finding_sort_counts', groups: ['tenant_id', 'sort', 'key', 'severity', 'status'] },
  ].map((t) => ({ ...t, value: 'n', sum: 'sum(n)', add: 'c.n + excluded.n', nonZero: 'sum(n) <> 0' })),
  { table: 'finding_word_bits', groups: ['tenant_id', 'kind', 'term', 'chunk'], value: 'bits', sum: 'bit_xor(bits)', add: 'c.bits # excluded.bits', nonZero: 'bit_count(bit_xor(bits)) > 0' },
];

/**
 * Slot rows folded in one transaction: a writer whose slot row is in it waits for its commit, so
 * a fold is done in short steps, each exact by itself (measured at 100,000 findings: 59,624 rows
 * in 30 steps took 788 ms, ~26 ms a step; with nothing to fold, 17 ms for the three tables).
 */
const STEP = 2_000;

/** One step of one table's fold, answering how many slot rows it folded. */
const stepSql = ({ table, groups, value, sum, add, nonZero }: (typeof TABLES)[number]) => {
  const cols = groups.join(', ');
  // A data-modifying WITH runs to the end whether or not it is read.
  return `WITH locked AS (SELECT ctid FROM ${table} WHERE tenant_id = $1 AND slot <> ${FOLDED} LIMIT $2 FOR UPDATE SKIP LOCKED),
       gone AS (DELETE FROM ${table} c USING locked l WHERE c.ctid = l.ctid RETURNING ${groups.map((g) => `c.${g}`).join(', ')}, c.${value}),
       kept AS (INSERT INTO ${table} AS c (${cols}, slot, ${value})
                SELECT ${cols}, ${FOLDED}, ${sum} FROM gone GROUP BY ${cols} HAVING ${nonZero} ORDER BY ${cols}
                ON CONFLICT (${cols}, slot) DO UPDATE SET ${value} = ${add})
  SELECT count(*)::int AS n FROM gone`;
};
const STEPS = TABLES.map(stepSql);

/**
 * Folds the tenant's counter slots, in steps of one transaction each; how many slot rows it
 * folded. It stops where another fold of the tenant, or a project's delete, holds the tenant.
 * `step`: slot rows a transaction (tests take small ones).
 */
export async function foldCounters(db: Database, tenantId: string, step = STEP): Promise<number> {
  let folded = 0;
  for (const sql of STEPS) {
    // Bounded, should writers make slot rows as fast as it folds them.
    for (let i = 0; i < 1_000; i++) {
      const n = await db.tenantTx(tenantId, async (q) => {
        const { rows } = await q.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${LOCK}) AS ok`, [tenantId]);
        return rows[0]?.ok ? ((await q.query<{ n: number }>(sql, [tenantId, step])).rows[0]?.n ?? 0) : null;
      });
      if (n === null) return folded;
      folded += n;
      if (n < step) break;
    }
  }
  return folded;
}

/**
 * Holds the tenant's folds off until the transaction ends, for one that deletes counter rows of
 * any slot (a project's delete): a fold waits for nobody, and this keeps it that way.
 */
export async function holdCounterFolds(q: Queryable, tenantId: string): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock(${LOCK})`, [tenantId]);
}

export interface CounterFolder extends Worker {
  /** The tenant's findings changed: fold its counters at the next round. */
  written(tenantId: string): void;
}

/**
 * Folds, every `intervalMs`, the counters of the tenants whose findings this process changed since
 * the last round, one tenant at a time (lib/poller.ts: one round at a time, stop() waits for it);
 * its first round folds every tenant with slot rows (finding_counter_unfolded, 0021), those
 * written before the start or by other processes. Writes that do not pass through the findings
 * service (a project's delete) are folded with the tenant's next finding write. On the embedded
 * database there is one connection, hence one slot: nothing to fold.
 */
export function createCounterFolder({ db, intervalMs, log }: { db: Database; intervalMs: number; log: FastifyBaseLogger }): CounterFolder {
  let pending = new Set<string>();
  let started = false;
  const poller = createPoller({
    intervalMs,
    async claim() {
      if (!started) {
        const { rows } = await db.system((q) => q.query<{ id: string }>('SELECT finding_counter_unfolded() AS id'));
        for (const { id } of rows) pending.add(id);
        started = true;
      }
      const tenants = pending;
      pending = new Set();
      for (const tenantId of tenants) {
        try {
          await foldCounters(db, tenantId);
        } catch (err) {
          log.warn({ err, tenantId }, 'folding finding counters failed; they stay as they are and are folded next time');
          pending.add(tenantId);
        }
      }
    },
    onError: (err) => log.warn({ err }, 'folding finding counters failed'),
  });
  const folds = db.kind === 'postgres';

  return {
    name: 'finding-counter-fold',
    written(tenantId) {
      if (folds) pending.add(tenantId);
    },
    start() {
      if (folds) poller.start();
    },
    stop: () => poller.stop(),
  };
}
