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
  /** SQL expression rendering a row (by `alias`) as the API's JSON object. */
  json: string;
}

/** `array_position(ARRAY['a','b'], expr)`: sorts `expr` in the order of a list (quotes doubled). */
export function positionIn(values: readonly string[], expr: string): string {
  return `array_position(ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}], ${expr})`;
}
