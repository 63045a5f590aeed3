import type { Queryable } from '../../db/driver.js';
import { Params, type Resource } from './sql.js';
import { ValidationError, type FieldError } from './errors.js';

/** A filter turns one query-string value into one SQL condition (or throws a field error). */
export type Filter = (value: string, p: Params, alias: string) => string;

export interface ListSpec extends Resource {
  /** API sort name → SQL expression; the first is the default. */
  sorts: Record<string, string>;
  filters: Record<string, Filter>;
  /**
   * An exact count that is cheaper than count(*) for some filter combinations (a counter table);
   * returns null where it cannot answer.
   */
  fastCount?: (tenantParam: string, filters: Record<string, string>, p: Params, fixed: Record<string, string>) => string | null;
}

export interface ListQuery {
  page?: number;
  limit?: number;
  sort?: string;
  order?: 'asc' | 'desc';
  [filter: string]: unknown;
}

export interface ListPage {
  /** The page's objects, already rendered as a JSON array by the database. */
  dataJson: string;
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

  const p = new Params();
  const tenantParam = p.add(tenantId);
  const where = [`${a}.tenant_id = ${tenantParam}`];
  for (const [column, value] of Object.entries(fixed)) where.push(`${a}.${column} = ${p.add(value)}`);

  const active: Record<string, string> = {};
  for (const [name, filter] of Object.entries(spec.filters)) {
    const value = query[name];
    if (value === undefined || value === '') continue;
    try {
      where.push(filter(String(value), p, a));
      active[name] = String(value);
    } catch (err) {
      if (err instanceof ValidationError && err.details) errors.push(...err.details);
      else throw err;
    }
  }
  if (errors.length > 0) throw new ValidationError(errors);

  const whereSql = where.join(' AND ');
  const countSql =
    spec.fastCount?.(tenantParam, active, p, fixed) ?? `SELECT count(*) FROM ${table} ${a} WHERE ${whereSql}`;
  const dir = order === 'asc' ? 'ASC' : 'DESC';
  const nulls = order === 'asc' ? 'NULLS FIRST' : 'NULLS LAST';
  const sql = `${p.with.length > 0 ? `WITH ${p.with.join(', ')} ` : ''}SELECT (${countSql})::text AS total,
    (SELECT coalesce('[' || string_agg(s.j::text, ',') || ']', '[]') FROM (
       SELECT ${spec.json} AS j FROM ${table} ${a} WHERE ${whereSql}
        ORDER BY ${sortSql} ${dir} ${nulls}, ${a}.id ${dir}
        LIMIT ${p.add(limit)} OFFSET ${p.add((page - 1) * limit)}) s) AS data`;
  const { rows } = await q.query<{ total: string | null; data: string }>(sql, p.values);
  const total = Number(rows[0]?.total ?? 0);
  const data = spec.jsonbValues ? JSON.stringify(JSON.parse(rows[0]!.data)) : rows[0]!.data;
  return { dataJson: data, meta: { page, limit, total, pages: Math.ceil(total / limit) } };
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
