import type { Queryable } from '../../../db/driver.js';
import { after, before, equals, hasTags, oneOf, parseIsoDate, splitList, type Filter, type FilterContext, type ListQuery, type ListSpec, type SkipContext } from '../../lib/list.js';
import { jsonObject, Params } from '../../lib/sql.js';
import { FINDING_STATUSES, SEVERITIES } from '../../lib/severity.js';

const tsquery = (p: Params, value: string) => `websearch_to_tsquery('english', ${p.add(value)})`;

/** A date filter's bound as its filter applies it, or null where it is absent or invalid (the filter itself refuses it). */
function bound(field: string, value: unknown, plusOneMs: boolean): string | null {
  if (value === undefined || value === '') return null;
  try {
    return new Date(parseIsoDate(field, String(value)).getTime() + (plusOneMs ? 1 : 0)).toISOString();
  } catch {
    return null;
  }
}

/** The filters of a search request as the owner-run search functions (0015) take them: SQL parameters. */
interface SearchFilters {
  severities: string; statuses: string; project: string; asset: string; tags: string; cwe: string;
  createdFrom: string; createdBefore: string; updatedFrom: string;
  /** Which of them the request gives: the estimate (filterShare) is written for those only. */
  given: Set<Exclude<keyof SearchFilters, 'given'>>;
}

/**
 * Every filter of the request besides the search, in the form its own filter applies it, so the
 * owner-run search functions (0015_finding_search_filters.sql) select exactly the rows the list's
 * conditions do.
 */
function searchFilters(p: Params, request: FilterContext['request']): SearchFilters {
  const v = { ...request.query, ...request.fixed } as Record<string, unknown>;
  const text = (name: string) => (v[name] === undefined || v[name] === '' ? null : String(v[name]));
  const list = (name: string) => (text(name) === null ? null : splitList(text(name)!));
  // A project from the path and one from the query may differ: then no finding is in both, and
  // no finding is in project '' either.
  const inPath = request.fixed.project_id;
  const inQuery = request.query.project_id === undefined || request.query.project_id === '' ? undefined : String(request.query.project_id);
  const project = inPath !== undefined && inQuery !== undefined && inQuery !== inPath ? '' : inPath ?? inQuery ?? null;
  const values = {
    severities: [list('severity'), 'text[]'], statuses: [list('status'), 'text[]'], project: [project, 'text'],
    asset: [text('asset_id'), 'text'], tags: [list('tag'), 'text[]'], cwe: [text('cwe'), 'text'],
    createdFrom: [bound('created_after', v.created_after, true), 'timestamptz'],
    createdBefore: [bound('created_before', v.created_before, false), 'timestamptz'],
    updatedFrom: [bound('updated_after', v.updated_after, true), 'timestamptz'],
  } as const;
  const f = { given: new Set() } as SearchFilters;
  for (const [name, [value, type]] of Object.entries(values) as [keyof typeof values, (typeof values)[keyof typeof values]][]) {
    f[name] = `${p.add(value)}::${type}`;
    if (value !== null) f.given.add(name);
  }
  return f;
}

const searchArgs = (q: string, f: SearchFilters) =>
  [q, f.severities, f.statuses, f.project, f.asset, f.tags, f.cwe, f.createdFrom, f.createdBefore, f.updatedFrom].join(', ');

/**
 * The share of the tenant's findings that pass the search's other filters, estimated from the
 * counter tables: severity, status and project exactly (finding_counts), a tag's share (finding_terms),
 * an asset's links, a date range as its share of the span of the findings' dates, a CWE as a tenth.
 */
function filterShare(f: SearchFilters, tenant: string, n: string): string {
  const span = (column: string, from: string, before: string) => `(SELECT greatest(0.0005, least(1,
          extract(epoch FROM least(coalesce(${before}, hi), hi) - greatest(coalesce(${from}, lo), lo)) / greatest(extract(epoch FROM hi - lo), 1)))
        FROM (SELECT min(d.${column}) AS lo, max(d.${column}) AS hi FROM findings d WHERE d.tenant_id = ${tenant}) x)`;
  const share = (count: string) => `(${count})::float8 / greatest(${n}, 1)`;
  const factors = [share(`SELECT coalesce(sum(fc.n), 0) FROM finding_counts fc WHERE fc.tenant_id = ${tenant} AND fc.project_id = ${f.given.has('project') ? f.project : "'*'"}${
    f.given.has('severities') ? ` AND fc.severity = ANY(${f.severities})` : ''}${f.given.has('statuses') ? ` AND fc.status = ANY(${f.statuses})` : ''}`)];
  if (f.given.has('tags')) factors.push(share(`SELECT coalesce(sum(ft.n), 0) FROM finding_terms ft WHERE ft.tenant_id = ${tenant} AND ft.kind = 't' AND ft.term = (${f.tags})[1]`));
  if (f.given.has('asset')) factors.push(share(`SELECT count(*) FROM finding_assets fa WHERE fa.tenant_id = ${tenant} AND fa.asset_id = ${f.asset}`));
  if (f.given.has('cwe')) factors.push('0.1');
  if (f.given.has('createdFrom') || f.given.has('createdBefore')) factors.push(span('created_at', f.createdFrom, f.createdBefore));
  if (f.given.has('updatedFrom')) factors.push(span('updated_at', f.updatedFrom, 'NULL::timestamptz'));
  return factors.join('\n      * ');
}

/**
 * The gate's two counts for a search: the fewest findings holding one of the query's terms (m,
 * finding_terms), and the tenant's findings (n). The sums read every (severity, status, slot) row
 * of each term, ~1.5 ms a term at 100,000 findings, so they are kept (GATE_STATS) and given to the
 * statement as numbers; the statement finds them itself only the first time.
 */
const matchCounts = (tenant: string, v: string) => `SELECT coalesce(min(t.n), 0)::float8 AS m,
       (SELECT coalesce(sum(fc.n), 0) FROM finding_counts fc WHERE fc.tenant_id = ${tenant} AND fc.project_id = '*')::float8 AS n
  FROM unnest(tsvector_to_array(to_tsvector('english', ${v}))) l
  LEFT JOIN LATERAL (SELECT coalesce(sum(ft.n), 0) AS n FROM finding_terms ft
                      WHERE ft.tenant_id = ${tenant} AND ft.kind = 'w' AND ft.term = l) t ON true`;

/**
 * The gate's counts by tenant and search text, up to a minute old: they choose between two plans
 * that answer the same, so a count that has since moved costs at most a slower plan, never a
 * different answer. Each server process keeps its own.
 */
const GATE_STATS = new Map<string, SearchHints & { at: number }>();
const GATE_STATS_MAX = 10_000;
const GATE_STATS_TTL_MS = 60_000;

/** The gate's counts, and the search's words when finding_word_bits can count it (wordsOf). */
type SearchHints = {
  m: number;
  n: number;
  words?: Words | undefined;
};

/** A search that is words all of which a finding holds (`all`, at least one) and none of `none`. */
interface Words {
  all: string[];
  none: string[];
}

/**
 * The words of a query as websearch_to_tsquery prints it, where it is only words joined by AND,
 * some of them negated (`'session'`, `'cooki' & 'session'`, `'xss' & !'store'`); undefined for
 * anything else (a phrase, OR, only negated words, a word with a quote or backslash).
 */
export function wordsOf(tsquery: string): Words | undefined {
  if (!/^!?'[^'\\]+'(?: & !?'[^'\\]+')*$/.test(tsquery)) return undefined;
  const all = new Set<string>();
  const none = new Set<string>();
  for (const [, not, word] of tsquery.matchAll(/(!?)'([^'\\]+)'/g)) (not ? none : all).add(word!);
  if (all.size === 0 || [...none].some((w) => all.has(w))) return undefined;
  return { all: [...all], none: [...none] };
}

async function gateStats(q: Queryable, tenantId: string, query: ListQuery): Promise<SearchHints | undefined> {
  if (query.search === undefined || query.search === '') return undefined;
  const key = `${tenantId}\u0000${String(query.search)}`;
  const known = GATE_STATS.get(key);
  if (known && Date.now() - known.at < GATE_STATS_TTL_MS) return { m: known.m, n: known.n, words: known.words };
  const { rows } = await q.query<{ m: number; n: number; q: string }>(
    `SELECT s.*, websearch_to_tsquery('english', $2)::text AS q FROM (${matchCounts('$1', '$2')}) s`, [tenantId, String(query.search)]);
  const found = { m: Number(rows[0]?.m ?? 0), n: Number(rows[0]?.n ?? 0), words: wordsOf(rows[0]?.q ?? '') };
  GATE_STATS.delete(key);
  GATE_STATS.set(key, { ...found, at: Date.now() });
  if (GATE_STATS.size > GATE_STATS_MAX) GATE_STATS.delete(GATE_STATS.keys().next().value!);
  return found;
}

/** Filters finding_word_bits can answer exactly beside a search of words (0022). */
const BIT_COUNTABLE = new Set(['search', 'severity', 'status', 'tag', 'project_id', 'created_after', 'created_before']);

const DAY_MS = 86_400_000;

/** A creation date range as instants in ms, [lo, hi), either end null where open. */
interface Range { lo: number | null; hi: number | null }

/** The request's creation date range, as its filters apply it (created_after is strict to the ms). */
function createdRange(used: Record<string, string>): Range {
  const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));
  return { lo: ms(bound('created_after', used.created_after, true)), hi: ms(bound('created_before', used.created_before, false)) };
}
const iso = (ms: number) => new Date(ms).toISOString();
/** A creation day as finding_word_bits names it (finding_day, 0023): days since 1970 plus 100,000,000. */
const dayTerm = (day: number) => String(day + 100_000_000);

/**
 * The exact number of the tenant's findings that hold every word of `all` and none of `none`, and
 * pass the severity, status, tag, project and creation date filters, from the terms' bitmaps
 * (finding_word_bits, 0022 and 0023): a chunk's bits of a term are the XOR of its slots; each
 * required group (a word, a tag, the severities or statuses asked for, OR'ed, the project, the
 * days of the date range, OR'ed) is AND'ed, the negated words taken out. ~400 chunk rows a term at
 * 100,000 findings, however many findings hold it, and one or two a day of a date range. A range
 * is counted by whole days (UTC); the findings of its first and last day that fall outside it
 * (`created_after=2026-03-18` starts 1 ms into the day) are counted off the creation index and
 * taken away.
 */
function bitCount(
  p: Params, tenant: string, used: Record<string, string>, projectIds: string[],
  text?: { search: string; words: Words }, { lo: loMs, hi: hiMs }: Range = createdRange(used),
): string {
  const words = text?.words ?? { all: [], none: [] };
  // An empty range (its ends would take the same findings away twice).
  if (loMs !== null && hiMs !== null && loMs >= hiMs) return 'SELECT 0::bigint';
  const rows: [string, string, number][] = [];
  let groups = 0;
  const require = (kind: string, terms: string[]) => {
    groups++;
    for (const term of terms) rows.push([kind, term, groups]);
  };
  for (const word of words.all) require('w', [word]);
  for (const word of words.none) rows.push(['w', word, 0]);
  if (used.severity) require('s', splitList(used.severity));
  if (used.status) require('u', splitList(used.status));
  const tags = used.tag ? [...new Set(splitList(used.tag))] : [];
  for (const tag of tags) require('t', [tag]);
  for (const project of projectIds) require('p', [project]);
  const [kinds, terms, group] = [p.add(rows.map((r) => r[0])), p.add(rows.map((r) => r[1])), p.add(rows.map((r) => r[2]))];
  // The creation days of the range, whole days (UTC), as a condition on the rows of kind 'd'.
  const firstDay = loMs === null ? null : Math.floor(loMs / DAY_MS);
  const endDay = hiMs === null ? null : Math.ceil(hiMs / DAY_MS);
  const dayTerms = loMs === null && hiMs === null ? null
    : [p.add(firstDay === null ? '000000000' : dayTerm(firstDay)), p.add(endDay === null ? '999999999' : dayTerm(endDay - 1))];
  const days = dayTerms && ((alias: string) => `${alias}.tenant_id = ${tenant} AND ${alias}.kind = 'd' AND ${alias}.term BETWEEN ${dayTerms[0]} AND ${dayTerms[1]}`);
  // With a range, the other terms are read in its chunks only (findings are numbered as they are
  // created, so a month of a year is about a twelfth of each term's rows).
  const inRange = days === null ? '' : `
                         AND wb.chunk BETWEEN (SELECT min(dc.chunk) FROM finding_word_bits dc WHERE ${days('dc')})
                                          AND (SELECT max(dc.chunk) FROM finding_word_bits dc WHERE ${days('dc')})`;
  const grouped = [`SELECT x.chunk, w.g, bit_or(x.bits) AS bits
                FROM (SELECT wb.chunk, wb.kind, wb.term, bit_xor(wb.bits) AS bits FROM finding_word_bits wb
                       WHERE wb.tenant_id = ${tenant} AND wb.kind = ANY(${kinds}::"char"[]) AND wb.term = ANY(${terms}::text[])${inRange}
                       GROUP BY 1, 2, 3) x
                JOIN unnest(${kinds}::"char"[], ${terms}::text[], ${group}::int[]) AS w (kind, term, g) ON w.kind = x.kind AND w.term = x.term
               GROUP BY x.chunk, w.g`];
  // The findings of [from, to) that pass every other filter, to be taken from the whole days' count.
  const outside: string[] = [];
  if (days !== null) {
    groups++;
    grouped.push(`SELECT d.chunk, ${groups} AS g, bit_or(d.bits) AS bits
                FROM (SELECT wb.chunk, wb.term, bit_xor(wb.bits) AS bits FROM finding_word_bits wb WHERE ${days('wb')} GROUP BY 1, 2) d
               GROUP BY d.chunk`);
    // Written only where an end needs it: a parameter the statement does not use has no type.
    const others = () => [`f.tenant_id = ${tenant}`, ...(text ? [`f.search @@ ${tsquery(p, text.search)}`] : []), ...groupConditions(p, used)('f'),
      ...(tags.length > 0 ? [`f.tags @> ${p.add(tags)}::text[]`] : []), ...projectIds.map((id) => `f.project_id = ${p.add(id)}`)].join(' AND ');
    const count = (from: number, to: number) => outside.push(`(SELECT count(*) FROM findings f WHERE ${others()}
        AND f.created_at >= ${p.add(iso(from))}::timestamptz AND f.created_at < ${p.add(iso(to))}::timestamptz)`);
    if (loMs !== null && loMs > firstDay! * DAY_MS) count(firstDay! * DAY_MS, loMs);
    if (hiMs !== null && hiMs < endDay! * DAY_MS) count(hiMs, endDay! * DAY_MS);
  }
  return `SELECT coalesce(sum(bit_count(z.bits)), 0)${outside.map((c) => ` - ${c}`).join('')} FROM (
      SELECT bit_and(y.bits) FILTER (WHERE y.g > 0) & ~coalesce(bit_or(y.bits) FILTER (WHERE y.g = 0), B'0'::bit(256)) AS bits
        FROM (${grouped.join('\n              UNION ALL\n              ')}) y
       GROUP BY y.chunk HAVING count(*) FILTER (WHERE y.g > 0) = ${p.add(groups)}) z`;
}

/**
 * Full-text search under row-level security, where `@@` (not LEAKPROOF) may not use the GIN index.
 * Two plans (lib/list.ts Plans): a word in a large share of the findings is found by walking the
 * sort's index, its other filters tested there, and testing `@@` on each row that passes them
 * until the page is full; a rare one (or one the other filters leave few of) by
 * finding_search_page (0015), the owner-run lookup of the current tenant's matches with the other
 * filters and the sort applied there, which returns the page's candidate ids to be joined back
 * under RLS as usual. The gate compares the cost of each (in µs, as measured on 100,000 findings):
 * the walk visits about reach × findings / matches rows (~12 each) and reads that divided by the
 * filters' share of index entries (~0.4 each); the lookup reads `matches` index entries (~1 each)
 * and visits the share of them that pass the filters (~12 each). Matches are estimated from
 * finding_terms (0012) as the fewest findings holding one of the query's terms, the share from
 * the counters (filterShare). The exact total is finding_search_total (0015), the same lookup counted.
 */
const fulltext: Filter = (value, p, a, { tenant, reach, request, hints }) => {
  const v = p.add(value);
  const q = `websearch_to_tsquery('english', ${v})`;
  const f = searchFilters(p, request);
  const args = searchArgs(q, f);
  const r = `${p.add(reach)}::float8`;
  // Titles repeat (a template, one issue on many hosts): in title order the findings with a word
  // of a title stand together, so the walk meets its matches in one run, not every n / m rows
  // (measured at 100,000: a word of a thirtieth of the titles walked 3,800 rows, 67 ms, to find
  // none of them before the lookup answered in 33 ms). The walk is taken there only when the
  // word is common enough to win even so.
  const clustered = request.sort === 'title' ? 4 : 1;
  // Before the walk gives up (matches that cluster in the order, or other filters that pass few of
  // them) it may read twice the rows it expects to, or as many as the lookup would visit (up to
  // 10,000), or 1,000, whichever is most.
  p.with.push(`search_plan AS MATERIALIZED (
      SELECT ${clustered} * ${r} * n / greatest(m, 1) * (12 + 0.4 / share) <= m * (1 + 12 * share) AS walk,
             greatest(1000, least(m, 10000), 2 * ${r} * n / greatest(m, 1))::int AS walk_rows
        FROM (SELECT m, n, greatest(${filterShare(f, tenant, 'n')}, 0.00001) AS share
                FROM (${typeof hints?.m === 'number' && typeof hints.n === 'number'
                  ? `SELECT ${p.add(hints.m)}::float8 AS m, ${p.add(hints.n)}::float8 AS n`
                  : matchCounts(tenant, v)}) s) e)`);
  const after = request.query.after === undefined ? null : String(request.query.after);
  p.with.push(`search_ids AS MATERIALIZED (SELECT finding_search_page(${args}, ${p.add(request.sort)}::text, ${p.add(request.order !== 'asc')}::boolean,
      ${p.add(reach)}::int, ${p.add(after)}::text) AS id)`);
  return {
    gate: '(SELECT walk FROM search_plan)',
    walk: `${a}.search @@ ${q}`,
    lookup: `${a}.id IN (SELECT id FROM search_ids)`,
    total: `finding_search_total(${args})`,
    walkRows: '(SELECT walk_rows FROM search_plan)',
  };
};
const affectsAsset: Filter = (value, p, a) =>
  `EXISTS (SELECT 1 FROM finding_assets fa WHERE fa.tenant_id = ${a}.tenant_id AND fa.finding_id = ${a}.id AND fa.asset_id = ${p.add(value)})`;

/** severity_rank (0001_init.sql) and status_rank (0011_finding_sort_indexes.sql) of each value. */
const SEVERITY_RANKS: Record<string, number> = { Critical: 4, High: 3, Medium: 2, Low: 1, Info: 0 };
const STATUS_RANKS = Object.fromEntries(FINDING_STATUSES.map((s, i) => [s, i + 1]));

/**
 * Sorted by severity (or status) and filtered by it, the same condition on the value's rank too:
 * the page is then a range of the sort's index, not a walk past every row of the other values.
 * Only then: the other sorts' indexes carry the value, not its rank, and a condition on the rank
 * there would visit each row of the walk to test it.
 */
function ranked(filter: Filter, column: string, ranks: Record<string, number>, sort: string): Filter {
  return (value, p, a, ctx) => {
    const condition = filter(value, p, a, ctx) as string;
    if (ctx.request.sort !== sort) return condition;
    const values = [...new Set(splitList(value).map((v) => ranks[v]!))];
    // Several values are a range the walk of the index reads in order, and their list a test of each
    // row there (`+ 0`: as a condition of the index scan, `= ANY` makes it read the range unordered).
    const rank = values.length === 1
      ? `${a}.${column} = ${p.add(values[0])}::smallint`
      : `${a}.${column} BETWEEN ${p.add(Math.min(...values))}::smallint AND ${p.add(Math.max(...values))}::smallint AND ${a}.${column} + 0 = ANY(${p.add(values)}::int[])`;
    return `${condition} AND ${rank}`;
  };
}

/** Filters the finding_counts table can answer exactly. */
const COUNTABLE = new Set(['severity', 'status', 'project_id']);
/** Filters a creation date range's total takes from finding_weeks (0016: whole weeks, one tag or none) and the days' bitmaps (0023). */
const WEEK_COUNTABLE = new Set(['severity', 'status', 'created_after', 'created_before', 'tag']);

/**
 * The severity and status filters as conditions on a table with those columns (findings and the
 * counter tables), by its alias. The values become parameters when first used, once.
 */
function groupConditions(p: Params, used: Record<string, string>): (alias: string) => string[] {
  let values: { severities?: string; statuses?: string } | undefined;
  return (alias) => {
    values ??= {
      severities: used.severity ? p.add(splitList(used.severity)) : undefined,
      statuses: used.status ? p.add(splitList(used.status)) : undefined,
    };
    return [
      ...(values.severities ? [`${alias}.severity = ANY(${values.severities})`] : []),
      ...(values.statuses ? [`${alias}.status = ANY(${values.statuses})`] : []),
    ];
  };
}

/** The tag finding_weeks counts for a tag filter: '' (every finding) without one, null for several. */
function weekTag(tag: string | undefined): string | null {
  if (!tag) return '';
  const tags = splitList(tag);
  return tags.length === 1 ? tags[0]! : null;
}

/** The start of a week of finding_weeks as a time. */
const weekStart = (week: string) => `(${week})::timestamp AT TIME ZONE 'UTC'`;

/** The start (UTC) of the week (Monday) of a time, in ms, as finding_week (0016) takes it. */
const mondayOf = (ms: number) => {
  const day = Math.floor(ms / DAY_MS);
  return (day - ((((day + 3) % 7) + 7) % 7)) * DAY_MS; // 1970-01-05, day 4, was a Monday
};

/**
 * The exact number of findings created in the request's date range (either end open) with its
 * severities, statuses and tags: the whole weeks inside the range summed from finding_weeks for
 * one tag ('') or none (''), the part-weeks at its ends (at most 7 days each) from the days'
 * bitmaps (bitCount), where they were counted row by row (up to ~19,000 rows at a million
 * findings). With several tags (tag null: finding_weeks counts one) the whole range is counted
 * from the bitmaps.
 */
function createdCount(p: Params, tenant: string, used: Record<string, string>, groups: (alias: string) => string[], tag: string | null): string {
  const range = createdRange(used);
  const part = (lo: number | null, hi: number | null) => `(${bitCount(p, tenant, used, [], undefined, { lo, hi })})`;
  // The first whole week starts at lo or the Monday after; the last one ends on the Monday before hi.
  const first = range.lo === null ? null : mondayOf(range.lo) === range.lo ? range.lo : mondayOf(range.lo) + 7 * DAY_MS;
  const last = range.hi === null ? null : mondayOf(range.hi);
  if (tag === null || (first !== null && last !== null && first >= last)) return `SELECT ${part(range.lo, range.hi)}`;
  const date = (ms: number) => iso(ms).slice(0, 10);
  const weeks = `(SELECT coalesce(sum(w.n), 0) FROM finding_weeks w WHERE ${[`w.tenant_id = ${tenant}`, `w.tag = ${p.add(tag)}`, ...groups('w'),
    ...(first === null ? [] : [`w.week >= ${p.add(date(first))}::date`]), ...(last === null ? [] : [`w.week + 7 <= ${p.add(date(last))}::date`])].join(' AND ')})`;
  return `SELECT ${[weeks,
    ...(first !== null && range.lo! < first ? [part(range.lo, first)] : []),
    ...(last !== null && last < range.hi! ? [part(last, range.hi)] : [])].join(' + ')}`;
}
/** Filters finding_terms can answer exactly beside one search term or one tag. */
const TERM_COUNTABLE = new Set(['severity', 'status']);

/**
 * A deep page without walking every row before it, where counters say how many rows come before
 * some key of the order: the groups of the order (weeks of creation from finding_weeks, 0016; the
 * severities or statuses from finding_counts) are summed in the list's order until the one holding
 * the page's first row, and the page is read from that group's start, offset by the rows of the
 * group before it. Exact: the counters change in the transaction of every change, so the
 * statement's snapshot sees them as it sees the findings. For the creation order with severity,
 * status and one tag as filters, or none; for the severity and status orders with severity, status
 * and project filters; for the CVSS and update orders (each score, each week of updated_at, from
 * finding_sort_counts, 0024) with severity and status filters.
 */
function skipAhead({ tenant, active, fixed, p, sort, order, offset }: SkipContext): { bound: string; offset: string } | null {
  const used = { ...active, ...fixed };
  const names = Object.keys(used);
  const dir = order === 'asc' ? 'ASC' : 'DESC';
  const groups = groupConditions(p, used);
  // The groups in the list's order as (key, rows), and the bound on the sort column that starts the list at a group.
  let counted: string;
  let bound: (key: string) => string;
  const tag = weekTag(used.tag);
  if (sort === 'created_at' && tag !== null && names.every((k) => k === 'severity' || k === 'status' || k === 'tag')) {
    counted = `SELECT w.week AS key, sum(w.n) AS n FROM finding_weeks w WHERE ${
      [`w.tenant_id = ${tenant}`, `w.tag = ${p.add(tag)}`, ...groups('w')].join(' AND ')} GROUP BY w.week`;
    bound = (key) => order === 'asc'
      ? `f.created_at >= (SELECT ${weekStart(key)} FROM list_skip)`
      : `f.created_at < (SELECT ${weekStart(`${key} + 7`)} FROM list_skip)`;
  } else if ((sort === 'severity' || sort === 'status') && names.every((k) => COUNTABLE.has(k))) {
    const ranks = sort === 'severity' ? SEVERITY_RANKS : STATUS_RANKS;
    const projectIds = [...new Set([active.project_id, fixed.project_id])].filter((id) => id);
    const where = [`fc.tenant_id = ${tenant}`, ...groups('fc'),
      ...(projectIds.length > 0 ? projectIds : ['*']).map((id) => `fc.project_id = ${p.add(id)}`)];
    const values = Object.entries(ranks).map(([name, rank]) => `('${name}', ${rank})`).join(', ');
    counted = `SELECT r.rank AS key, sum(fc.n) AS n FROM finding_counts fc JOIN (VALUES ${values}) r (value, rank) ON r.value = fc.${sort}
                WHERE ${where.join(' AND ')} GROUP BY r.rank`;
    const column = sort === 'severity' ? 'f.severity_rank' : 'f.status_rank';
    bound = (key) => `${column} ${order === 'asc' ? '>=' : '<='} (SELECT ${key}::smallint FROM list_skip)`;
  } else if ((sort === 'cvss_score' || sort === 'updated_at') && names.every((k) => k === 'severity' || k === 'status')) {
    // finding_sort_counts (0024): each stored score, and each week of the last update (its Monday as days since 1970).
    counted = `SELECT sc.key, sum(sc.n) AS n FROM finding_sort_counts sc WHERE ${
      [`sc.tenant_id = ${tenant}`, `sc.sort = '${sort === 'cvss_score' ? 'c' : 'm'}'`, ...groups('sc')].join(' AND ')} GROUP BY sc.key`;
    bound = sort === 'cvss_score'
      ? (key) => `f.cvss_key ${order === 'asc' ? '>=' : '<='} (SELECT ${key}::smallint FROM list_skip)`
      : (key) => order === 'asc'
        ? `f.updated_at >= (SELECT to_timestamp(${key} * 86400) FROM list_skip)`
        : `f.updated_at < (SELECT to_timestamp((${key} + 7) * 86400) FROM list_skip)`;
  } else {
    return null;
  }
  const at = `${p.add(offset)}::bigint`;
  p.with.push(`list_skip AS MATERIALIZED (
      SELECT x.key, x.before FROM (SELECT c.key, sum(c.n) OVER (ORDER BY c.key ${dir}) - c.n AS before, c.n FROM (${counted}) c) x
       WHERE x.before <= ${at} AND ${at} < x.before + x.n ORDER BY x.key ${dir} LIMIT 1)`);
  return {
    // The whole bound a subquery, so that it is a value the index scan starts from. No such group:
    // the page is past the end, and the bound (null) selects nothing.
    bound: bound('key'),
    offset: `(${at} - (SELECT before FROM list_skip))::int`,
  };
}

export const findings: ListSpec = {
  table: 'findings',
  alias: 'f',
  json: jsonObject({
    id: 'f.id', project_id: 'f.project_id', title: 'f.title', severity: 'f.severity', status: 'f.status',
    description: 'f.description', impact: 'f.impact', remediation: 'f.remediation', steps_to_reproduce: 'f.steps_to_reproduce',
    references: 'to_json(f."references")', cwe: 'f.cwe', cve: 'to_json(f.cve)', cvss_vector: 'f.cvss_vector',
    // float8 prints 10 where numeric(3,1) prints 10.0: the same number, written as JSON.stringify would.
    cvss_score: 'f.cvss_score::float8',
    // The links as the finding keeps them (0020_finding_asset_ids.sql), not looked up for each row.
    asset_ids: 'to_json(f.asset_ids)',
    tags: 'to_json(f.tags)', created_at: 'iso(f.created_at)', updated_at: 'iso(f.updated_at)',
  }),
  sorts: {
    created_at: 'f.created_at',
    updated_at: 'f.updated_at',
    severity: 'f.severity_rank',
    // Stored keys (0011_finding_sort_indexes.sql), in the order of the score and the status list.
    cvss_score: 'f.cvss_key',
    title: 'f.title_key',
    status: 'f.status_rank',
  },
  filters: {
    severity: ranked(oneOf('severity', 'severity', SEVERITIES), 'severity_rank', SEVERITY_RANKS, 'severity'),
    status: ranked(oneOf('status', 'status', FINDING_STATUSES), 'status_rank', STATUS_RANKS, 'status'),
    project_id: equals('project_id'),
    asset_id: affectsAsset,
    cwe: equals('cwe'),
    tag: hasTags('tags'),
    created_after: after('created_after', 'created_at'),
    created_before: before('created_before', 'created_at'),
    updated_after: after('updated_after', 'updated_at'),
    search: fulltext,
  },
  keyset: true,
  renderAfterPaging: true,
  skip: skipAhead,
  prepare: gateStats,
  fastCount({ tenant, active, p, fixed, generic, hints }) {
    const used = { ...active, ...fixed };
    const names = Object.keys(used);
    const groups = groupConditions(p, used);
    // A search of words (AND, some negated) with severity, status, tag, project and creation date
    // filters is counted from the bitmaps of finding_word_bits. Otherwise, in a project or for an
    // asset, the generic count walks their few rows (a search's is the owner-run total). Elsewhere one search
    // term or one tag, with severities and statuses, is a sum over the few rows of finding_terms
    // however many findings hold it; other searches are counted by finding_search_total, the
    // generic count of a search.
    // An asset's findings alone are its links (one per finding, each to a finding that exists).
    if (names.length === 1 && used.asset_id) {
      return `SELECT count(*) FROM finding_assets fa WHERE fa.tenant_id = ${tenant} AND fa.asset_id = ${p.add(used.asset_id)}`;
    }
    // A search of words, some negated, with filters the bitmaps hold, where finding_terms cannot
    // answer it (several words, a negated one, a tag, a project or a creation date range): the bitmaps.
    const words = (hints as SearchHints | undefined)?.words;
    if (words && names.every((k) => BIT_COUNTABLE.has(k))
      && (words.all.length > 1 || words.none.length > 0 || used.tag || used.project_id || used.created_after || used.created_before)) {
      // A project from the path and one from the query may differ: then both apply, and none is in both.
      return bitCount(p, tenant, used, [...new Set([active.project_id, fixed.project_id])].filter((id): id is string => id !== undefined && id !== ''),
        { search: used.search!, words });
    }
    if (used.project_id || used.asset_id) return used.search || used.tag ? null : projectCount();
    const others = names.filter((k) => k !== 'search' && k !== 'tag');
    const termCountable = others.every((k) => TERM_COUNTABLE.has(k));
    const terms = (kind: string, term: string) => `SELECT coalesce(sum(ft.n), 0) FROM finding_terms ft WHERE ${
      [`ft.tenant_id = ${tenant}`, `ft.kind = '${kind}'`, `ft.term = ${term}`, ...groups('ft')].join(' AND ')}`;
    if (used.search) {
      if (used.tag || !termCountable) return null;
      const q = tsquery(p, used.search);
      return `SELECT CASE WHEN tsquery_single_lexeme(${q}) IS NULL THEN (${generic}) ELSE (${terms('w', `tsquery_single_lexeme(${q})`)}) END`;
    }
    const tag = weekTag(used.tag);
    if ((used.created_after || used.created_before) && names.every((k) => WEEK_COUNTABLE.has(k))) {
      return createdCount(p, tenant, used, groups, tag);
    }
    if (used.tag) {
      const tags = splitList(used.tag);
      return termCountable && tags.length === 1 ? terms('t', p.add(tags[0])) : null;
    }
    return projectCount();

    function projectCount() {
      if (!names.every((k) => COUNTABLE.has(k))) return null;
      const where = [`fc.tenant_id = ${tenant}`, ...groups('fc')];
      // A project from the path and one from the query may differ (then nothing matches): both apply.
      // Without one, the tenant-wide rows (project_id '*') hold the sum over all projects.
      const projectIds = [...new Set([active.project_id, fixed.project_id])].filter((id) => id);
      for (const projectId of projectIds.length > 0 ? projectIds : ['*']) where.push(`fc.project_id = ${p.add(projectId)}`);
      return `SELECT coalesce(sum(fc.n), 0) FROM finding_counts fc WHERE ${where.join(' AND ')}`;
    }
  },
};

export const FINDING_REFERENCES: Record<string, [string, string]> = {
  findings_tenant_id_project_id_fkey: ['project_id', 'Project not found'],
};

/** Locks a finding for an update; its project and its `updated_at` as the API writes it. */
export async function lockFinding(q: Queryable, tenantId: string, findingId: string): Promise<{ project_id: string; updated_at: string } | undefined> {
  const { rows } = await q.query<{ project_id: string; updated_at: string }>(
    'SELECT project_id, iso(updated_at) AS updated_at FROM findings WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
    [tenantId, findingId],
  );
  return rows[0];
}

/** A finding's asset ids as it keeps them (findings.asset_ids): each once, in byte order, as 0020's triggers sort them. */
export function assetIdList(ids: string[]): string[] {
  return [...new Set(ids)].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
}

/**
 * Replaces a finding's asset links with `assetIds`, all of which must be assets of `projectId`.
 * Returns the ids that are not (nothing is changed then, the caller rolls back). One statement, so
 * the triggers that keep findings.asset_ids (0020) see the links only as they end up: the caller
 * has written the same list to the row, and they find nothing to change.
 */
export async function linkAssets(
  q: Queryable,
  tenantId: string,
  findingId: string,
  projectId: string,
  assetIds: string[],
): Promise<string[]> {
  const p = new Params();
  const [t, f] = [p.add(tenantId), p.add(findingId)];
  const { rows } = await q.query<{ asset_id: string }>(
    `WITH wanted AS (SELECT a.id FROM assets a WHERE a.tenant_id = ${t} AND a.project_id = ${p.add(projectId)} AND a.id = ANY(${p.add(assetIds)}::text[])),
          gone AS (DELETE FROM finding_assets fa WHERE fa.tenant_id = ${t} AND fa.finding_id = ${f} AND fa.asset_id NOT IN (SELECT id FROM wanted)),
          added AS (INSERT INTO finding_assets (tenant_id, finding_id, asset_id) SELECT ${t}, ${f}, w.id FROM wanted w ON CONFLICT DO NOTHING)
     SELECT id AS asset_id FROM wanted`,
    p.values,
  );
  const linked = new Set(rows.map((r) => r.asset_id));
  return assetIds.filter((id) => !linked.has(id));
}
