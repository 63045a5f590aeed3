import type { FastifyReply } from 'fastify';
import type { Queryable } from '../../db/driver.js';
import { Params, type ListPage } from './list.js';

/** What the generic row operations need to know of a table: where it is and how it renders. */
export interface Resource {
  table: string;
  alias: string;
  /** SQL expression rendering a row (by `alias`) as the API's JSON object. */
  json: string;
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

/** Inserts a row (tenant_id added) and returns it as API JSON text. */
export async function insertRow(q: Queryable, r: Resource, tenantId: string, values: Row): Promise<string> {
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

/** Updates the given columns (and updated_at) of one row; returns its new API JSON text, or undefined. */
export async function updateRow(q: Queryable, r: Resource, tenantId: string, id: string, values: Row): Promise<string | undefined> {
  const p = new Params();
  const sets = Object.entries(values).map(([c, v]) => `"${c}" = ${p.add(bindable(v))}`);
  sets.push('updated_at = now()');
  const { rows } = await q.query<{ j: string }>(
    `UPDATE ${r.table} AS ${r.alias} SET ${sets.join(', ')}
      WHERE ${r.alias}.tenant_id = ${p.add(tenantId)} AND ${r.alias}.id = ${p.add(id)}
     RETURNING (${r.json})::text AS j`,
    p.values,
  );
  return rows[0]?.j;
}

/** Deletes one row; returns its last state as API JSON text, or undefined if there was none. */
export async function deleteRow(q: Queryable, r: Resource, tenantId: string, id: string): Promise<string | undefined> {
  const { rows } = await q.query<{ j: string }>(
    `DELETE FROM ${r.table} AS ${r.alias} WHERE ${r.alias}.tenant_id = $1 AND ${r.alias}.id = $2 RETURNING (${r.json})::text AS j`,
    [tenantId, id],
  );
  return rows[0]?.j;
}

// ---- Responses: the database already rendered the JSON, so the envelope is put around it as text.

const JSON_TYPE = 'application/json; charset=utf-8';

export function sendData(reply: FastifyReply, dataJson: string, status = 200) {
  return reply.code(status).type(JSON_TYPE).send(`{"success":true,"data":${dataJson}}`);
}

export function sendPage(reply: FastifyReply, page: ListPage) {
  return reply.type(JSON_TYPE).send(`{"success":true,"data":${page.dataJson},"meta":${JSON.stringify(page.meta)}}`);
}

/** Only the fields present in a body, for partial updates. */
export function definedFields<T extends object>(body: T, allowed: readonly (keyof T)[]): Row {
  const out: Row = {};
  for (const key of allowed) if ((body as Row)[key as string] !== undefined) out[key as string] = (body as Row)[key as string];
  return out;
}
