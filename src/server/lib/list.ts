import type { Queryable } from '../../db/driver.js';
import { Params, type Resource } from './sql.js';
import { ValidationError, type FieldError } from './errors.js';

/**
 * A condition with two plans, for a filter whose best plan depends on how many rows match (a
 * full-text search: a common word is found fastest by walking the sort's index and testing each
 * row, a rare one by looking its few rows up). `gate` is an SQL boolean the statement evaluates
 * once: true takes `walk`, false `lookup`. On the page's rows both select the same: `lookup` may
 * hold only the first `reach` rows of the list's order (it is given the whole request), so the
 * exact count is `total`, an SQL expression counting every row the list's conditions select.
 */
export interface Plans {
  gate: string;
  walk: string;
  lookup: string;
  total: string;
  /** An SQL integer: the most rows of the order the walk reads before it leaves the page to the lookup. */
  walkRows: string;
}

/** What a filter may need to know of the statement it is part of. */
export interface FilterContext {
  /** The tenant's parameter (`$1`). */
  tenant: string;
  /** How many rows of the order the page reads: its offset plus its limit. */
  reach: number;
  /** The whole request, for a two-plan filter that does the others' work too: raw values, validated by their own filters. */
  request: { query: ListQuery; fixed: Record<string, string>; sort: string; order: 'asc' | 'desc' };
  /** What the spec's prepare() found for this request, if it has one. */
  hints?: Hints | undefined;
}

/** What a spec's prepare() finds out for a request before its statement is written. */
export type Hints = Readonly<Record<string, unknown>>;

/** A filter turns one query-string value into one SQL condition, or two plans (or throws a field error). */
export type Filter = (value: string, p: Params, alias: string, ctx: FilterContext) => string | Plans;

/** What fastCount is given: the filters in use, and the generic counts it may fall back on. */
export interface CountContext {
  tenant: string;
  active: Record<string, string>;
  fixed: Record<string, string>;
  p: Params;
  /** The exact count over the filters: count(*), or the two-plan filter's total. */
  generic: string;
  /** What the spec's prepare() found for this request, if it has one. */
  hints?: Hints | undefined;
}

/** What skip is given: a page deep in the list, and what it is sorted and filtered by. */
export interface SkipContext extends Omit<CountContext, 'generic'> {
  sort: string;
  order: 'asc' | 'desc';
  /** The rows before the page, at least SKIP_FROM. */
  offset: number;
}

/** Pages that start this deep may be found by a spec's skip instead of walking every row before them. */
export const SKIP_FROM = 1000;

export interface ListSpec extends Resource {
  /** API sort name → SQL expression; the first is the default. */
  sorts: Record<string, string>;
  filters: Record<string, Filter>;
  /**
   * Every sort expression is non-null, so `after` (a keyset page: the rows after the one with
   * that id, in the list's order) is one row comparison.
   */
  keyset?: boolean;
  /**
   * The page's ids are found first (an index-only walk where the sort's index covers the filters)
   * and only those rows rendered: for a table keyed (tenant_id, id) whose deep pages matter.
   */
  renderAfterPaging?: boolean;
  /**
   * An exact count that is cheaper than count(*) for some filter combinations (a counter table);
   * returns null where it cannot answer.
   */
  fastCount?: (ctx: CountContext) => string | null;
  /**
   * A deep page without walking the rows before it (counter tables that say how many rows come
   * before some key of the order): a condition that starts the list where the page's part of it
   * begins, and the SQL integer offset of the page from there. Null where it cannot answer.
   */
  skip?: (ctx: SkipContext) => { bound: string; offset: string } | null;
  /**
   * What the statement is written by, found before it is built when the spec can find it cheaper
   * outside it (kept from an earlier request): numbers a filter steers its plan by (how many rows a
   * word matches), which choose between plans that answer the same and so need not be exact or
   * current, and facts of the request itself (the words of a search), which must be.
   */
  prepare?: (q: Queryable, tenantId: string, query: ListQuery) => Promise<Hints | undefined>;
}

export interface ListQuery {
  page?: number;
  limit?: number;
  sort?: string;
  order?: 'asc' | 'desc';
  after?: string;
  [filter: string]: unknown;
}

/**
 * Totals already counted, kept by the read cache (lib/read-cache.ts) for tables whose changes bump
 * the tenant's data version: a list's total is a function of its filters and the data, so the next
 * page of a search, or the same filters again, need not count again while the version is the one
 * the total was counted at. The statement compares the version itself, in its own snapshot, so a
 * total it is given is used only where it is exact.
 */
export interface TotalMemo {
  get(key: string): { version: string; total: number } | undefined;
  set(key: string, version: string, total: number): void;
}

export interface ListPage {
  /** The page's objects, already rendered as a JSON array by the database. */
  dataJson: string;
  /** With `after`, page is 0: keyset pages are not numbered. */
  meta: { page: number; limit: number; total: number; pages: number };
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;

/**
 * The one list query: tenant, fixed conditions (a parent id from the path), filters, sort, page.
 * The page and its exact total come back from one statement.
 */
export async function listRows(
  q: Queryable,
  spec: ListSpec,
  tenantId: string,
  query: ListQuery,
  fixed: Record<string, string> = {},
  totals?: TotalMemo,
): Promise<ListPage> {
  const { table, alias: a } = spec;
  const page = query.page ?? 1;
  const limit = query.limit ?? DEFAULT_LIMIT;
  const sortNames = Object.keys(spec.sorts);
  const sort = query.sort ?? sortNames[0]!;
  const sortSql = spec.sorts[sort];
  const errors: FieldError[] = [];
  if (sortSql === undefined) errors.push({ field: 'sort', message: `must be one of ${sortNames.join(', ')}` });
  const order = query.order ?? 'desc';

  const after = query.after;
  if (after !== undefined && !spec.keyset) errors.push({ field: 'after', message: 'is not supported by this list' });
  if (after !== undefined && page > 1) errors.push({ field: 'after', message: 'cannot be combined with page: send one or the other' });
  const offset = after === undefined ? (page - 1) * limit : 0;

  const p = new Params();
  const tenantParam = p.add(tenantId);
  const where = [`${a}.tenant_id = ${tenantParam}`];
  for (const [column, value] of Object.entries(fixed)) where.push(`${a}.${column} = ${p.add(value)}`);

  const active: Record<string, string> = {};
  const hints = errors.length === 0 ? await spec.prepare?.(q, tenantId, query) : undefined;
  let plans: Plans | undefined;
  for (const [name, filter] of Object.entries(spec.filters)) {
    const value = query[name];
    if (value === undefined || value === '') continue;
    try {
      const condition = filter(String(value), p, a, { tenant: tenantParam, reach: offset + limit, request: { query, fixed, sort, order }, hints });
      if (typeof condition === 'string') where.push(condition);
      else if (plans) throw new Error(`${table}: one two-plan filter per list`);
      else plans = condition;
      active[name] = String(value);
    } catch (err) {
      if (err instanceof ValidationError && err.details) errors.push(...err.details);
      else throw err;
    }
  }
  if (errors.length > 0) throw new ValidationError(errors);

  const dir = order === 'asc' ? 'ASC' : 'DESC';
  const nulls = order === 'asc' ? 'NULLS FIRST' : 'NULLS LAST';
  // A keyset page: the rows after the cursor's in this order. The bound alone is what an index on
  // an expression can answer; the row comparison then drops the cursor's ties that come before it.
  const pageWhere = [...where];
  if (after !== undefined) {
    const op = order === 'asc' ? '>' : '<';
    p.with.push(`list_cursor AS MATERIALIZED (SELECT ${sortSql} AS k, ${a}.id FROM ${table} ${a} WHERE ${a}.tenant_id = ${tenantParam} AND ${a}.id = ${p.add(after)})`);
    pageWhere.push(`${sortSql} ${op}= (SELECT k FROM list_cursor)`, `(${sortSql}, ${a}.id) ${op} ((SELECT k FROM list_cursor), (SELECT id FROM list_cursor))`);
  }

  const count = (conditions: string[]) => `SELECT count(*) FROM ${table} ${a} WHERE ${conditions.join(' AND ')}`;
  const generic = plans ? `SELECT ${plans.total}` : count(where);
  const fast = spec.fastCount?.({ tenant: tenantParam, active, fixed, p, generic, hints }) ?? null;
  let countSql = fast ?? generic;
  // Kept only where counting visits the rows (a counter table's sum costs what reading the version
  // would). The total depends on the filters alone (not on the sort, the page or the cursor).
  const memoKey = totals && (plans || fast === null)
    ? JSON.stringify([tenantId, table, fixed, Object.entries(active).sort(([x], [y]) => (x < y ? -1 : 1))])
    : undefined;
  if (memoKey !== undefined) {
    p.with.push(`list_version AS MATERIALIZED (SELECT version FROM data_versions_of(ARRAY[${tenantParam}]::text[]))`);
    const known = totals!.get(memoKey);
    if (known) {
      countSql = `SELECT CASE WHEN (SELECT version FROM list_version) = ${p.add(known.version)}::text
                              THEN ${p.add(String(known.total))}::bigint ELSE (${countSql}) END`;
    }
  }

  const skipped = !plans && offset >= SKIP_FROM
    ? spec.skip?.({ tenant: tenantParam, active, fixed, p, sort, order, offset }) ?? undefined
    : undefined;
  if (skipped) pageWhere.push(skipped.bound);
  // Any other deep page is read from the nearer end of the list: past its middle, the same rows are
  // the page of the reversed order at the offset counted from the end (the total is exact), so a
  // walk passes at most half the list instead of all of it.
  const fromEnd = !plans && !skipped && after === undefined && offset >= SKIP_FROM;
  if (fromEnd) {
    p.with.push(`list_total AS MATERIALIZED (SELECT (${countSql}) AS n)`);
    countSql = 'SELECT n FROM list_total';
  }
  /** Where the walk starts (an SQL integer), in which direction, and the most rows it keeps (`clip`). */
  interface Walk { offset?: string; reversed?: boolean; clip?: string }
  const ordered = (conditions: string[], columns: string, walk: Walk = {}) => {
    const [d, n] = walk.reversed ? (order === 'asc' ? ['DESC', 'NULLS LAST'] : ['ASC', 'NULLS FIRST']) : [dir, nulls];
    const sql = `SELECT ${columns} FROM ${table} ${a}
      WHERE ${conditions.join(' AND ')}
      ORDER BY ${sortSql} ${d} ${n}, ${a}.id ${d} LIMIT ${p.add(limit)}::int OFFSET ${walk.offset ?? `${p.add(offset)}::int`}`;
    // The clip is outside: the planner knows the walk's LIMIT (and plans the page's joins for that many rows).
    return walk.clip ? `SELECT * FROM (${sql}) w ORDER BY w.k ${d} ${n}, w.id ${d} LIMIT ${walk.clip}` : sql;
  };
  // Rendered in the same scan, every row the OFFSET skips would be rendered too (the select list is
  // computed below the LIMIT); found first by id, off the sort's index, only the page is.
  const rows = (conditions: string[], walk?: Walk) => spec.renderAfterPaging
    ? `SELECT ${spec.json} AS j, pg.k, pg.id FROM (${ordered(conditions, `${sortSql} AS k, ${a}.id`, walk)}) pg
         JOIN ${table} ${a} ON ${a}.tenant_id = ${tenantParam} AND ${a}.id = pg.id`
    : ordered(conditions, `${spec.json} AS j, ${sortSql} AS k, ${a}.id AS id`, walk);
  // With two plans, both are in the statement and one of them runs (the other's scan is never
  // started): the page and its total still come from one statement, one snapshot. The walk reads
  // at most walkRows rows of the order: where the matches cluster (a word of some titles, sorted
  // by title) it gives up and the lookup answers, so a wrong guess costs walkRows row visits, not
  // a walk through the whole table. It found the page when it found `reach` rows, or when fewer
  // than walkRows rows pass the other filters at all (the list ends inside the walk).
  let pageSql: string;
  if (fromEnd) {
    const [k, l, n] = [`${p.add(offset)}::bigint`, `${p.add(limit)}::bigint`, '(SELECT n FROM list_total)'];
    // Both are planned and the one whose condition holds runs (the other's scan is never started).
    pageSql = `(${rows([...pageWhere, `2 * ${k} + ${l} <= ${n}`])}) UNION ALL (${rows([...pageWhere, `2 * ${k} + ${l} > ${n}`], {
      reversed: true, offset: `greatest(0, ${n} - ${k} - ${l})::int`, clip: `greatest(0, least(${l}, ${n} - ${k}))::int` })})`;
  } else if (!plans) pageSql = rows(pageWhere, { offset: skipped?.offset });
  else {
    if (!spec.renderAfterPaging) throw new Error(`${table}: a two-plan filter needs renderAfterPaging`);
    const reach = p.add(offset + limit);
    const scan = (columns: string) => `SELECT ${columns} FROM ${table} ${a} WHERE ${[...pageWhere, `(${plans.gate})`].join(' AND ')}
        ORDER BY ${sortSql} ${dir} ${nulls}, ${a}.id ${dir} LIMIT ${plans.walkRows}`;
    // The walk's other conditions are tested on the sort's index alone (an index-only scan, where
    // it covers them) and only the rows that pass them are visited to test the plan's own. With no
    // other condition every row is visited anyway: straight from the sort's index then, the plan's
    // condition in the select list (computed only for rows the policy let through), instead of a
    // lookup by id for each (a seventh of the buffer visits: 17 → 9 ms for 3,700 rows at 100,000).
    const direct = where.length === 1;
    p.with.push(direct
      ? `list_walk AS MATERIALIZED (SELECT w.k, w.id FROM (${scan(`${sortSql} AS k, ${a}.id, (${plans.walk}) AS hit`)}) w
        WHERE w.hit LIMIT ${reach}::int)`
      : `list_walk AS MATERIALIZED (SELECT w.k, w.id FROM (${scan(`${sortSql} AS k, ${a}.id`)}) w
        WHERE (SELECT ${plans.walk} FROM ${table} ${a} WHERE ${a}.tenant_id = ${tenantParam} AND ${a}.id = w.id) LIMIT ${reach}::int)`);
    p.with.push(`list_walked AS MATERIALIZED (SELECT (${plans.gate}) AND ((SELECT count(*) FROM list_walk) >= ${reach}::int
        OR (SELECT count(*) FROM (${scan('1')}) x) < ${plans.walkRows}) AS ok)`);
    // One plan's ids, rendered once (the row's JSON planned once, not for each plan).
    const walked = `SELECT k, id FROM list_walk WHERE (SELECT ok FROM list_walked)
        ORDER BY k ${dir} ${nulls}, id ${dir} LIMIT ${p.add(limit)}::int OFFSET ${p.add(offset)}::int`;
    const looked = ordered([...pageWhere, plans.lookup, 'NOT (SELECT ok FROM list_walked)'], `${sortSql} AS k, ${a}.id`);
    pageSql = `SELECT ${spec.json} AS j, pg.k, pg.id FROM ((${walked}) UNION ALL (${looked})) pg
         JOIN ${table} ${a} ON ${a}.tenant_id = ${tenantParam} AND ${a}.id = pg.id`;
  }
  const sql = `${p.with.length > 0 ? `WITH ${p.with.join(', ')} ` : ''}SELECT (${countSql})::text AS total,
    (SELECT coalesce('[' || string_agg(s.j::text, ',' ORDER BY s.k ${dir} ${nulls}, s.id ${dir}) || ']', '[]') FROM (${pageSql}) s) AS data${
      after !== undefined ? ', (SELECT count(*) FROM list_cursor)::int AS cursor_found' : ''}${
      memoKey !== undefined ? ', (SELECT version FROM list_version) AS version' : ''}`;
  const { rows: result } = await q.query<{ total: string | null; data: string; cursor_found?: number; version?: string }>(sql, p.values);
  if (after !== undefined && result[0]?.cursor_found !== 1) {
    // Another tenant's id is no different from one that never existed.
    throw new ValidationError([{ field: 'after', message: `must be the id of a ${spec.table === 'findings' ? 'finding' : 'row'} you can see (the last one of the page before)` }]);
  }
  const total = Number(result[0]?.total ?? 0);
  if (memoKey !== undefined && result[0]?.version != null) totals!.set(memoKey, result[0].version, total);
  const data = spec.jsonbValues ? JSON.stringify(JSON.parse(result[0]!.data)) : result[0]!.data;
  return { dataJson: data, meta: { page: after === undefined ? page : 0, limit, total, pages: Math.ceil(total / limit) } };
}

// ---- Filters shared by the resources ----

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** `severity=High,Critical`: one or more of the allowed values. */
export function oneOf(field: string, column: string, allowed: readonly string[]): Filter {
  return (value, p, a) => {
    const values = splitList(value);
    const bad = values.filter((v) => !allowed.includes(v));
    if (values.length === 0 || bad.length > 0) {
      throw new ValidationError([{ field, message: `must be one or more of ${allowed.join(', ')} (comma-separated)` }]);
    }
    return values.length === 1 ? `${a}.${column} = ${p.add(values[0])}` : `${a}.${column} = ANY(${p.add(values)})`;
  };
}

/** `active=true` / `active=false`: the query schema (lib/schemas BooleanFilter) has refused anything else. */
export function flag(column: string): Filter {
  return (value, p, a) => `${a}.${column} = ${p.add(value === 'true')}`;
}

export function equals(column: string): Filter {
  return (value, p, a) => `${a}.${column} = ${p.add(value)}`;
}

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses an ISO 8601 date or date-time; a bare date or a time without zone is taken as UTC. */
export function parseIsoDate(field: string, value: string): Date {
  const text = value.trim();
  if (DATE_PATTERN.test(text)) {
    const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
    const day = new Date(Date.UTC(y, m - 1, d));
    const realDay = day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
    let full = text.replace(' ', 'T');
    if (full.length === 10) full += 'T00:00:00Z';
    else if (!/(?:Z|[+-]\d{2}:?\d{2})$/.test(full)) full += 'Z';
    const date = new Date(full);
    if (realDay && !Number.isNaN(date.getTime())) return date;
  }
  throw new ValidationError([{ field, message: 'must be an ISO 8601 date or date-time, e.g. 2024-01-15 or 2024-01-15T10:30:00Z' }]);
}

/**
 * Strictly after, as the client sees times: the API shows milliseconds (truncated) while the
 * database keeps microseconds, so `created_after=<an object's created_at>` must not return that
 * object again. "Truncated value > t" is "value >= t + 1 ms".
 */
export function after(field: string, column: string): Filter {
  return (value, p, a) => `${a}.${column} >= ${p.add(new Date(parseIsoDate(field, value).getTime() + 1).toISOString())}`;
}

export function before(field: string, column: string): Filter {
  return (value, p, a) => `${a}.${column} < ${p.add(parseIsoDate(field, value).toISOString())}`;
}

/** `tag=web` or `tags=web,external`: rows carrying all of them. */
export function hasTags(column: string): Filter {
  return (value, p, a) => `${a}.${column} @> ${p.add(splitList(value))}::text[]`;
}

/** Case-insensitive substring over a few text columns, for the small lists. */
export function contains(columns: string[]): Filter {
  return (value, p, a) => {
    const pattern = p.add(`%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    return `(${columns.map((c) => `${a}.${c} ILIKE ${pattern}`).join(' OR ')})`;
  };
}
