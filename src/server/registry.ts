import type { Database } from '../db/driver.js';
import type { Scope } from './lib/scopes.js';
import type { CachedTable, EventDeclaration, Module, Registry } from './types.js';

/** Fields every object has and only the server sets. */
const CORE_READ_ONLY = ['id', 'tenant_id', 'created_at', 'updated_at'];

/** Collects what the modules declare, refusing two modules that claim the same id prefix, event or object. */
export function buildRegistry(modules: readonly Module[]): Registry {
  const idPrefixes = new Map<string, string>();
  const events = new Map<string, EventDeclaration>();
  const objectTypes = new Set<string>();
  const clash = (what: string, name: string, module: string) => {
    throw new Error(`module ${module} declares the ${what} "${name}", which another module already declares`);
  };
  for (const m of modules) {
    for (const [prefix, names] of Object.entries(m.ids ?? {})) {
      if (!/^[a-z]{2,8}$/.test(prefix)) throw new Error(`module ${m.name}: id prefix "${prefix}" must be 2–8 lower-case letters`);
      if (idPrefixes.has(prefix)) clash('id prefix', prefix, m.name);
      idPrefixes.set(prefix, names);
    }
    for (const e of m.events ?? []) {
      if (events.has(e.type)) clash('event type', e.type, m.name);
      events.set(e.type, e);
    }
    for (const o of m.objects ?? []) {
      if (objectTypes.has(o.type)) clash('object type', o.type, m.name);
      objectTypes.add(o.type);
    }
  }
  const all = [...events.values()];
  const objects = modules.flatMap((m) => m.objects ?? []);
  const streamedEvents = new Map<string, Scope>();
  for (const e of all) {
    const scope = e.readScope ?? objects.find((o) => o.type === e.type.split('.')[0])?.readScope;
    if (scope && e.subscribable !== false) streamedEvents.set(e.type, scope);
  }
  return {
    modules,
    idPrefixes,
    objects,
    events: all,
    subscribableEvents: all.filter((e) => e.subscribable !== false).map((e) => e.type),
    streamedEvents,
    cachedTables: modules.flatMap((m) => m.cachedTables ?? []),
    readOnlyFields: new Set([...CORE_READ_ONLY, ...modules.flatMap((m) => m.readOnlyFields ?? [])]),
  };
}

/** `finding.created|updated|deleted` with their descriptions, for a module's `events`. */
export function objectEvents(type: string, descriptions: { created: string; updated: string; deleted: string }): EventDeclaration[] {
  return (['created', 'updated', 'deleted'] as const).map((kind) => ({ type: `${type}.${kind}`, description: descriptions[kind] }));
}

/**
 * The cached reads are exact only for tables whose every change bumps the tenant's data version:
 * refuse to start when a declared table lacks the trigger (a migration forgot track_data_version),
 * or when a summary table's maintaining table has no trigger that writes it.
 */
export async function checkCachedTables(db: Database, tables: readonly CachedTable[]): Promise<void> {
  if (tables.length === 0) return;
  const names = [...new Set(tables.flatMap((t) => (typeof t === 'string' ? [t] : [t.table, t.maintainedBy])))];
  const { rows } = await db.system((q) =>
    q.query<{ table: string; tracked: boolean; writes: string[] }>(
      `SELECT c.relname AS table,
              bool_or(t.tgname = 'data_version') AS tracked,
              coalesce(array_agg(p.prosrc) FILTER (WHERE t.tgname <> 'data_version'), '{}') AS writes
         FROM pg_class c
         LEFT JOIN pg_trigger t ON t.tgrelid = c.oid AND NOT t.tgisinternal
         LEFT JOIN pg_proc p ON p.oid = t.tgfoid
        WHERE c.relname = ANY($1) AND c.relkind = 'r'
        GROUP BY c.relname`,
      [names],
    ),
  );
  const byName = new Map(rows.map((r) => [r.table, r]));
  const problems: string[] = [];
  for (const t of tables) {
    if (typeof t === 'string') {
      if (!byName.get(t)?.tracked) problems.push(`${t} has no data_version trigger (add SELECT track_data_version('${t}') to a migration)`);
      continue;
    }
    const owner = byName.get(t.maintainedBy);
    if (!owner?.tracked) problems.push(`${t.maintainedBy} (which maintains ${t.table}) has no data_version trigger`);
    else if (!owner.writes.some((src) => new RegExp(`\\b${t.table}\\b`).test(src))) {
      problems.push(`no trigger of ${t.maintainedBy} writes ${t.table}`);
    }
  }
  if (problems.length > 0) throw new Error(`the read cache would serve stale answers: ${problems.join('; ')}`);
}
