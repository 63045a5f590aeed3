/**
 * What every statement builder shares: positional parameters and how a table renders as the API's
 * JSON. Imported by crud.ts, list.ts and events.ts, which never import each other in a circle.
 */
/** Collects positional parameters while a statement is built: `p.add(x)` returns `$n`. */
export class Params {
  readonly values: unknown[] = [];
  /** Subqueries a filter needs once per statement, whichever of count and page uses them: `name AS (…)`. */
  readonly with: string[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

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

/** `array_position(ARRAY['a','b'], expr)`: sorts `expr` in the order of a list (quotes doubled). */
export function positionIn(values: readonly string[], expr: string): string {
  return `array_position(ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}], ${expr})`;
}
