import type { FastifyReply } from 'fastify';
import type { Queryable } from '../../db/driver.js';
import { Params, type ListPage } from './list.js';
import { EVENT_COLUMNS, EVENT_ORIGIN_COLUMNS, eventOrigin, eventRow, type ChangeEvent } from './events.js';
import type { Caller } from './caller.js';
import { newId } from './ids.js';

/** What the generic row operations need to know of a table: where it is and how it renders. */
export interface Resource {
  table: string;
  alias: string;
  /** SQL expression rendering a row (by `alias`) as the API's JSON object: see jsonObject. */
  json: string;
  /**
   * The object holds jsonb values (event changes and data), which PostgreSQL can only write with
   * spaces (`{"a": 1}`): their lists are re-encoded compactly in Node (lib/list.ts).
   */
  jsonbValues?: boolean;
}

/**
 * SQL rendering one API object as compact JSON, `{"id":"…","name":"…"}`, from its fields (API name
 * → SQL expression). row_to_json over a one-row subselect writes that, and measured as fast as
 * json_build_object, which writes `{"id" : "…", "name" : "…"}`.
 */
export function jsonObject(fields: Record<string, string>): string {
  const columns = Object.entries(fields).map(([name, sql]) => `${sql} AS "${name}"`);
  return `(SELECT row_to_json(_obj) FROM (SELECT ${columns.join(', ')}) _obj)`;
}

type Row = Record<string, unknown>;

/** Column values as node-postgres and PGlite both bind them. */
function bindable(value: unknown): unknown {
  return value === undefined ? null : value;
}

/** Selects one row by id within the tenant; returns the API JSON text, or undefined. */
export async function getRow(q: Queryable, r: Resource, tenantId: string, id: string): Promise<string | undefined> {
  const { rows } = await q.query<{ j: string }>(
    `SELECT (${r.json})::text AS j FROM ${r.table} ${r.alias} WHERE ${r.alias}.tenant_id = $1 AND ${r.alias}.id = $2`,
    [tenantId, id],
  );
  return rows[0]?.j;
}

export async function exists(q: Queryable, table: string, tenantId: string, id: string): Promise<boolean> {
  const { rows } = await q.query(`SELECT 1 FROM ${table} WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return rows.length > 0;
}

/**
 * With a `change`, the row operations below write the change's event (crud.ts → events.ts) in the
 * same statement as the change: a data-modifying CTE, then `INSERT INTO events … SELECT` over it,
 * so the event commits or rolls back with the change even outside an explicit transaction.
 */
function withEvents(p: Params, change: ChangeEvent | undefined, kind: 'updated' | 'deleted'): string {
  if (!change) return '';
  const { caller, objectType } = change;
  const base = { objectId: 'chg.id', data: 'chg.j::jsonb' };
  if (kind === 'deleted') {
    const ev = eventRow(p, caller, { type: `${objectType}.deleted`, objectType }, { ...base, changes: 'NULL::jsonb' });
    return `, ev AS (INSERT INTO events (${EVENT_COLUMNS}) SELECT ${ev.select} FROM chg)`;
  }
  const selects = [eventRow(p, caller, { type: `${objectType}.updated`, objectType }, { ...base, changes: 'chg.c' }).select + " FROM chg WHERE chg.c <> '{}'::jsonb"];
  for (const [field, type] of Object.entries(change.fieldEvents ?? {})) {
    const f = p.add(field);
    const ev = eventRow(p, caller, { type, objectType }, { ...base, changes: `jsonb_build_object(${f}::text, chg.c -> ${f}::text)` });
    selects.push(`${ev.select} FROM chg WHERE chg.c ? ${f}::text`);
  }
  return `, ev AS (INSERT INTO events (${EVENT_COLUMNS}) ${selects.map((x) => `SELECT ${x}`).join(' UNION ALL ')})`;
}

/** Inserts a row (tenant_id added) and returns it as API JSON text; with `change`, records `<type>.created`. */
export async function insertRow(q: Queryable, r: Resource, tenantId: string, values: Row, change?: ChangeEvent): Promise<string> {
  if (change) return (await insertRows(q, r, tenantId, change.objectType, [{ values, caller: change.caller }]))[0]!;
  const p = new Params();
  const cols = ['tenant_id', ...Object.keys(values)];
  const vals = [p.add(tenantId), ...Object.values(values).map((v) => p.add(bindable(v)))];
  const { rows } = await q.query<{ j: string }>(
    `INSERT INTO ${r.table} AS ${r.alias} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${vals.join(', ')})
     RETURNING (${r.json})::text AS j`,
    p.values,
  );
  return rows[0]!.j;
}

/**
 * Inserts several rows of one table, all with the same columns, in one statement, each with its
 * `<type>.created` event (actor and request of its own caller); returns each one's API JSON text,
 * in the order given. The rows travel as one JSON parameter, so the statement's text depends only
 * on the columns and is prepared once however many rows come.
 */
export async function insertRows(
  q: Queryable, r: Resource, tenantId: string, objectType: string, rows: { values: Row; caller: Caller }[],
): Promise<string[]> {
  const a = r.alias;
  const cols = Object.keys(rows[0]!.values).map((c) => `"${c}"`);
  const p = new Params();
  const t = p.add(tenantId);
  const values = p.add(JSON.stringify(rows.map((x) => x.values)));
  const events = p.add(JSON.stringify(rows.map((x) => ({ object_id: x.values.id, id: newId('evt'), ...eventOrigin(x.caller) }))));
  const { rows: out } = await q.query<{ id: string; j: string }>(
    `WITH chg AS (INSERT INTO ${r.table} AS ${a} (tenant_id, ${cols.join(', ')})
                  SELECT ${t}, ${cols.map((c) => `x.${c}`).join(', ')} FROM json_populate_recordset(NULL::${r.table}, ${values}::json) x
                  RETURNING ${a}.id, (${r.json})::text AS j),
          ev AS (INSERT INTO events (${EVENT_COLUMNS})
                 SELECT ${t}, e.id, ${p.add(`${objectType}.created`)}, ${EVENT_ORIGIN_COLUMNS.map((c) => `e.${c}`).join(', ')},
                        ${p.add(objectType)}, chg.id, NULL, chg.j::jsonb
                   FROM chg JOIN json_to_recordset(${events}::json)
                        AS e(object_id text, id text, ${EVENT_ORIGIN_COLUMNS.map((c) => `${c} text`).join(', ')}) ON e.object_id = chg.id)
     SELECT id, j FROM chg`,
    p.values,
  );
  const byId = new Map(out.map((row) => [row.id, row.j]));
  return rows.map((x) => byId.get(x.values.id as string)!);
}

/**
 * Updates the given columns (and updated_at) of one row; returns its new API JSON text, or
 * undefined. With `change`, records `<type>.updated` with the fields that changed (old and new),
 * plus `fieldEvents`; `before` gives the old state where the caller changed related rows first.
 */
export async function updateRow(
  q: Queryable, r: Resource, tenantId: string, id: string, values: Row, change?: ChangeEvent & { before?: string },
): Promise<string | undefined> {
  const p = new Params();
  const sets = Object.entries(values).map(([c, v]) => `"${c}" = ${p.add(bindable(v))}`);
  sets.push('updated_at = now()');
  const t = p.add(tenantId);
  const i = p.add(id);
  const update = `UPDATE ${r.table} AS ${r.alias} SET ${sets.join(', ')}
      WHERE ${r.alias}.tenant_id = ${t} AND ${r.alias}.id = ${i}
     RETURNING ${r.alias}.id, (${r.json})::text AS j`;
  if (!change) {
    const { rows } = await q.query<{ j: string }>(update, p.values);
    return rows[0]?.j;
  }
  // The old state is the statement's snapshot (a concurrent update committed in between shows up
  // as part of this one's changes); locking it here would clash with the UPDATE of the same row.
  const old = change.before !== undefined
    ? `SELECT ${p.add(change.before)}::jsonb AS j`
    : `SELECT (${r.json})::jsonb AS j FROM ${r.table} ${r.alias} WHERE ${r.alias}.tenant_id = ${t} AND ${r.alias}.id = ${i}`;
  const { rows } = await q.query<{ j: string }>(
    `WITH prev AS (${old}), upd AS (${update}),
          chg AS (SELECT upd.id, upd.j, json_changes(prev.j, upd.j::jsonb) AS c FROM upd, prev)${withEvents(p, change, 'updated')}
     SELECT j FROM chg`,
    p.values,
  );
  return rows[0]?.j;
}

/** Deletes one row; returns its last state as API JSON text, or undefined; with `change`, records `<type>.deleted`. */
export async function deleteRow(q: Queryable, r: Resource, tenantId: string, id: string, change?: ChangeEvent): Promise<string | undefined> {
  const p = new Params();
  const { rows } = await q.query<{ j: string }>(
    `WITH chg AS (DELETE FROM ${r.table} AS ${r.alias} WHERE ${r.alias}.tenant_id = ${p.add(tenantId)} AND ${r.alias}.id = ${p.add(id)}
                  RETURNING ${r.alias}.id, (${r.json})::text AS j)${withEvents(p, change, 'deleted')}
     SELECT j FROM chg`,
    p.values,
  );
  return rows[0]?.j;
}

/**
 * Records `<type>.deleted`, with each one's last state, for the rows of `r` whose `column` is
 * `value`: for rows a foreign-key cascade is about to remove, in the transaction of the delete.
 */
export async function recordCascadeDeletes(
  q: Queryable, r: Resource, tenantId: string, column: string, value: string, change: ChangeEvent,
): Promise<void> {
  const p = new Params();
  const { objectType } = change;
  const ev = eventRow(p, change.caller, { type: `${objectType}.deleted`, objectType }, {
    id: "new_id('evt')", objectId: `${r.alias}.id`, changes: 'NULL::jsonb', data: `(${r.json})::jsonb`,
  });
  await q.query(
    `INSERT INTO events (${EVENT_COLUMNS}) SELECT ${ev.select} FROM ${r.table} ${r.alias}
      WHERE ${r.alias}.tenant_id = ${p.add(tenantId)} AND ${r.alias}."${column}" = ${p.add(value)}
      ORDER BY ${r.alias}.created_at, ${r.alias}.id`,
    p.values,
  );
}

// ---- Responses: the database already rendered the JSON, so the envelope is put around it as text.

const JSON_TYPE = 'application/json; charset=utf-8';

export const dataBody = (dataJson: string) => `{"success":true,"data":${dataJson}}`;
export const pageBody = (page: ListPage) => `{"success":true,"data":${page.dataJson},"meta":${JSON.stringify(page.meta)}}`;

/** Sends a response body that is already JSON text (a rendered envelope). */
export function sendBody(reply: FastifyReply, body: string | Buffer, status = 200) {
  return reply.code(status).type(JSON_TYPE).send(body);
}

export function sendData(reply: FastifyReply, dataJson: string, status = 200) {
  return sendBody(reply, dataBody(dataJson), status);
}

export function sendPage(reply: FastifyReply, page: ListPage) {
  return sendBody(reply, pageBody(page));
}

/** Only the fields present in a body, for partial updates. */
export function definedFields<T extends object>(body: T, allowed: readonly (keyof T)[]): Row {
  const out: Row = {};
  for (const key of allowed) if ((body as Row)[key as string] !== undefined) out[key as string] = (body as Row)[key as string];
  return out;
}
