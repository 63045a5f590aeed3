import fs from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { migrate } from './migrate.js';

export interface QueryResult<R> {
  rows: R[];
}

/** The one thing repos see: run a statement with positional parameters. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

/**
 * The database as the server uses it. Tenant work runs as the unprivileged application role with
 * `app.tenant_id` set, so row-level security applies even to a query that forgets its tenant
 * filter; `system` runs with no tenant set, for the tenants table and the credential lookup.
 */
export interface Database {
  readonly kind: 'pglite' | 'postgres';
  tenant<T>(tenantId: string, fn: (q: Queryable) => Promise<T>): Promise<T>;
  tenantTx<T>(tenantId: string, fn: (q: Queryable) => Promise<T>): Promise<T>;
  system<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  systemTx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs on a connection as it is, whichever tenant it was last set to: only for statements that
   * do not depend on the tenant setting because they name their tenants themselves and read as the
   * owner (data_versions_of, the read cache's probe). It saves the two settings a `system` call
   * costs on a connection that serves a tenant (unset, then set again by that tenant's next request).
   */
  anyBinding<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /**
   * Embedded only, where this process has the database to itself (the data folder is locked):
   * how many statements it has run. While the number stands still, nothing can have changed.
   */
  statementsRun?(): number;
}

export const APP_ROLE = 'neuro_app';

export class DataDirInUseError extends Error {}

const SET_TENANT = "SELECT set_config('app.tenant_id', $1, false)";

/** Serialises work on the single PGlite connection so one request's tenant never leaks into another's. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

async function inTransaction<T>(q: Queryable, fn: (q: Queryable) => Promise<T>): Promise<T> {
  await q.query('BEGIN');
  try {
    const result = await fn(q);
    await q.query('COMMIT');
    return result;
  } catch (err) {
    await q.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

function lockFile(dataDir: string): () => void {
  const file = path.join(dataDir, 'server.lock');
  const claim = () => fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
  try {
    claim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const pid = Number(fs.readFileSync(file, 'utf8'));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch {
      alive = false;
    }
    if (alive) {
      throw new DataDirInUseError(
        `The data folder ${dataDir} is in use by process ${pid} (is the server running?). ` +
          'Stop it first, or use DATABASE_URL with a PostgreSQL server to work while it runs.',
      );
    }
    fs.rmSync(file, { force: true });
    claim();
  }
  return () => fs.rmSync(file, { force: true });
}

async function openPglite(dataDir: string, onStatement?: (sql: string) => void): Promise<Database> {
  fs.mkdirSync(dataDir, { recursive: true });
  const release = lockFile(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create(path.join(dataDir, 'pglite'));
    await migrate(db);
    await db.query(`SET ROLE ${APP_ROLE}`);
  } catch (err) {
    release();
    throw err;
  }
  const mutex = new Mutex();
  let current: string | null = null;
  let statements = 0;
  const q: Queryable = {
    query: (sql, params) => {
      statements++;
      onStatement?.(sql);
      return db.query(sql, params);
    },
  };
  const bind = async (tenantId: string) => {
    if (current !== tenantId) {
      await db.query(SET_TENANT, [tenantId]);
      current = tenantId;
    }
  };
  return {
    kind: 'pglite',
    tenant: (tenantId, fn) => mutex.run(async () => (await bind(tenantId), fn(q))),
    tenantTx: (tenantId, fn) => mutex.run(async () => (await bind(tenantId), inTransaction(q, fn))),
    system: (fn) => mutex.run(async () => (await bind(''), fn(q))),
    systemTx: (fn) => mutex.run(async () => (await bind(''), inTransaction(q, fn))),
    anyBinding: (fn) => mutex.run(() => fn(q)),
    ping: () => mutex.run(async () => (await db.query('SELECT 1'), true)).catch(() => false),
    close: async () => {
      await mutex.run(() => db.close());
      release();
    },
    statementsRun: () => statements,
  };
}

type TrackedClient = pg.PoolClient & { neuroRole?: boolean; neuroTenant?: string; neuroQ?: Queryable };

/**
 * A statement the server runs again and again is sent as a named prepared statement, so each
 * connection parses and plans it once instead of on every request (planning a list query costs
 * more than running it). Statements are named by their text; the number of distinct ones is capped
 * so a connection never holds more than MAX_PREPARED.
 */
const MAX_PREPARED = 500;
const preparedNames = new Map<string, string>();
const seenOnce = new Set<string>();

function statement(text: string, values: unknown[] | undefined): pg.QueryConfig {
  let name = preparedNames.get(text);
  if (name === undefined && preparedNames.size < MAX_PREPARED) {
    if (seenOnce.delete(text)) {
      name = `s${createHash('sha1').update(text).digest('hex').slice(0, 30)}`;
      preparedNames.set(text, name);
    } else {
      // Texts seen once are forgotten in bulk, so a busy statement first seen late still gets prepared.
      if (seenOnce.size >= MAX_PREPARED) seenOnce.clear();
      seenOnce.add(text);
    }
  }
  return name === undefined ? { text, values } : { name, text, values };
}

async function openPostgres(url: string, onStatement?: (sql: string) => void): Promise<Database> {
  // Migrations run as the connecting (owner) role, before any pooled connection drops to the app role.
  const owner = new pg.Client({ connectionString: url });
  await owner.connect();
  try {
    await migrate(owner);
  } finally {
    await owner.end();
  }
  const pool = new pg.Pool({ connectionString: url, max: Number(process.env.NEURO_DB_POOL_SIZE) || 16 });
  pool.on('error', () => undefined); // an idle client's error; the pool replaces it
  /** tenantId undefined: leave the connection's tenant setting as it is (anyBinding). */
  const withClient = async <T>(tenantId: string | undefined, fn: (q: Queryable) => Promise<T>): Promise<T> => {
    const client = (await pool.connect()) as TrackedClient;
    let broken = false;
    try {
      if (!client.neuroRole) {
        // Awaited here rather than in the pool's connect event, so no query is ever queued behind it.
        // Without JIT compilation: the server's default compiles any statement estimated above a
        // cost that counts over large lists reach at a million findings, and compiling one (~27 ms
        // measured) costs more than most of them take to run.
        await client.query(`SET ROLE ${APP_ROLE}; SET jit = off`);
        client.neuroRole = true;
      }
      if (tenantId !== undefined && client.neuroTenant !== tenantId) {
        await client.query(SET_TENANT, [tenantId]);
        client.neuroTenant = tenantId;
      }
      client.neuroQ ??= {
        query: (sql, params) => {
          onStatement?.(sql);
          return client.query(statement(sql, params));
        },
      } as Queryable;
      return await fn(client.neuroQ);
    } catch (err) {
      broken = (err as { code?: string }).code === undefined; // a connection fault, not an SQL error
      throw err;
    } finally {
      client.release(broken);
    }
  };
  return {
    kind: 'postgres',
    tenant: withClient,
    tenantTx: (tenantId, fn) => withClient(tenantId, (q) => inTransaction(q, fn)),
    system: (fn) => withClient('', fn),
    systemTx: (fn) => withClient('', (q) => inTransaction(q, fn)),
    anyBinding: (fn) => withClient(undefined, fn),
    ping: async () => {
      try {
        await pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => pool.end(),
  };
}

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Tests only: sees the text of every statement the server runs (which tables a route reads). */
  onStatement?: (sql: string) => void;
}

export function openDatabase(opts: DatabaseOptions): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.onStatement) : openPglite(opts.dataDir, opts.onStatement);
}
