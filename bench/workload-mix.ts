/**
 * The request mix of bench/workload.ts: what a team's clients send, drawn at random per request.
 * Each draw names its class (the per-class table groups by it) and the request to send.
 */
import { FINDING_STATUSES, SEVERITIES } from '../src/server/lib/severity.js';
import { FINDING_SORTS } from '../src/server/modules/findings/schemas.js';
import { SEARCH_WORD, TAG_WORDS } from './seed.js';

export interface Universe {
  findingIds: string[];
  projectIds: string[];
  assetIds: string[];
  /** Creation times span [oldestMs, newestMs]. */
  oldestMs: number;
  newestMs: number;
}

export interface Draw {
  cls: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: string;
  /** 201 for creates, 200 otherwise. */
  status: number;
}

type Weighted = [cls: string, weight: number, make: (u: Universe, s: State) => Omit<Draw, 'cls'>];

/** What clients have learnt from earlier answers: how many pages a list has, and its next cursors. */
export class State {
  readonly pages = new Map<string, number>();
  readonly cursors: string[] = [];
  created = 0;

  /** Reads a list answer: its page count, and the last row's id, the `after` of its next page. */
  learn(path: string, body: string) {
    const pages = /"pages":(\d+)/.exec(body.slice(-200))?.[1];
    if (pages === undefined) return;
    this.pages.set(signature(path), Number(pages));
    const at = body.lastIndexOf('{"id":"');
    if (at < 0 || Number(pages) <= 1) return;
    const last = body.slice(at + 7, body.indexOf('"', at + 7));
    const next = `${signature(path).replace(/&+$/, '')}&after=${last}`;
    if (this.cursors.length < 5000) this.cursors.push(next);
    else this.cursors[rnd(this.cursors.length)] = next;
  }
}

/** A list URL without its page: what the same list at another depth shares. */
const signature = (path: string) => path.replace(/[?&](page|after)=[^&]*/g, '').replace(/^([^?]*)&/, '$1?');

const rnd = (n: number) => Math.floor(Math.random() * n);
const pick = <T>(list: readonly T[]): T => list[rnd(list.length)]!;
const chance = (p: number) => Math.random() < p;
const some = <T>(list: readonly T[], max: number): T[] => {
  const n = 1 + rnd(max);
  return [...new Set(Array.from({ length: n }, () => pick(list)))];
};
const day = 24 * 3600 * 1000;

/** Random filters a person combines in the list's filter bar. */
function filters(u: Universe, withProject = true): Record<string, string> {
  const f: Record<string, string> = {};
  if (chance(0.45)) f.severity = some(SEVERITIES, 2).join(',');
  if (chance(0.4)) f.status = some(FINDING_STATUSES, 2).join(',');
  if (withProject && chance(0.15)) f.project_id = pick(u.projectIds);
  if (chance(0.15)) {
    const from = u.oldestMs + rnd(u.newestMs - u.oldestMs);
    f.created_after = new Date(from).toISOString().slice(0, 10);
    if (chance(0.5)) f.created_before = new Date(from + (30 + rnd(60)) * day).toISOString().slice(0, 10);
  }
  if (chance(0.15)) f.tag = pick(TAG_WORDS);
  return f;
}

/** Mostly the first pages; some jump anywhere in the list (its page count learnt from an earlier answer). */
function page(s: State, path: string): number {
  const pages = s.pages.get(signature(path)) ?? 1;
  const r = Math.random();
  if (r < 0.55 || pages <= 1) return 1;
  if (r < 0.85) return Math.min(pages, 2 + rnd(4));
  return 1 + rnd(pages);
}

/**
 * Search results are read from the top: the first page mostly, the next few sometimes, rarely a
 * jump past the tenth (deep pages of a search cost what deep pages of any list cost: the `list`
 * and `sort` classes have those).
 */
function searchPage(s: State, path: string): number {
  const pages = s.pages.get(signature(path)) ?? 1;
  const r = Math.random();
  if (r < 0.7 || pages <= 1) return 1;
  if (r < 0.95) return Math.min(pages, 2 + rnd(4));
  return Math.min(pages, 6 + rnd(15));
}

function listPath(base: string, q: Record<string, string>, s: State): string {
  const limit = pick([50, 50, 50, 25, 100]);
  const qs = new URLSearchParams({ ...q, limit: String(limit) });
  const path = `${base}?${qs}`;
  const p = q.search === undefined ? page(s, path) : searchPage(s, path);
  return p === 1 ? path : `${path}&page=${p}`;
}

const sorted = (): Record<string, string> => ({ sort: pick(FINDING_SORTS), order: pick(['asc', 'desc']) });

/** Words in a large share of the findings (the seeded text repeats a vocabulary of ~130 words). */
export const COMMON_WORDS = ['session', 'request', 'server', 'token', 'attacker', 'password', 'access', 'header'];
/** In 1% of findings (SEARCH_WORD), in a thirtieth of the titles, or nowhere. */
export const RARE_WORDS = [SEARCH_WORD, 'ldap', 'clickjacking', 'takeover', 'kerberoasting', 'graphql'];
export const PHRASES = ['"sql injection"', '"login form"', '"session fixation"', 'cookie session', '"remote code execution"', 'xss -stored'];

function search(term: string, u: Universe, s: State): Omit<Draw, 'cls'> {
  const q: Record<string, string> = { search: term };
  if (chance(0.3)) Object.assign(q, filters(u));
  if (chance(0.3)) Object.assign(q, sorted());
  return { method: 'GET', path: listPath('/findings', q, s), status: 200 };
}

const READS: Weighted[] = [
  ['get', 24, (u) => ({ method: 'GET', path: `/findings/${pick(u.findingIds)}`, status: 200 })],
  ['list', 20, (u, s) => ({ method: 'GET', path: listPath('/findings', filters(u), s), status: 200 })],
  ['sort', 15, (u, s) => ({ method: 'GET', path: listPath('/findings', { ...(chance(0.5) ? filters(u) : {}), ...sorted() }, s), status: 200 })],
  ['next-page', 6, (u, s) => s.cursors.length > 0
    ? { method: 'GET', path: pick(s.cursors), status: 200 }
    : { method: 'GET', path: listPath('/findings', sorted(), s), status: 200 }],
  ['search-common', 8, (u, s) => search(pick(COMMON_WORDS), u, s)],
  ['search-rare', 5, (u, s) => search(pick(RARE_WORDS), u, s)],
  ['search-phrase', 5, (u, s) => search(pick(PHRASES), u, s)],
  ['project', 10, (u, s) => ({
    method: 'GET', path: listPath(`/projects/${pick(u.projectIds)}/findings`, { ...(chance(0.5) ? filters(u, false) : {}), ...(chance(0.4) ? sorted() : {}) }, s), status: 200,
  })],
  ['asset', 7, (u, s) => ({
    method: 'GET', path: listPath(`/assets/${pick(u.assetIds)}/findings`, chance(0.4) ? sorted() : {}, s), status: 200,
  })],
];

const WRITES: Weighted[] = [
  ['update', 10, (u) => ({
    method: 'PUT', path: `/findings/${pick(u.findingIds)}`, status: 200,
    body: JSON.stringify(chance(0.7) ? { status: pick(FINDING_STATUSES) } : { severity: pick(SEVERITIES), tags: ['bench', pick(TAG_WORDS)] }),
  })],
  ['create', 5, (u, s) => ({
    method: 'POST', path: '/findings', status: 201,
    body: JSON.stringify({
      project_id: pick(u.projectIds),
      title: `Workload finding ${++s.created}: reflected input in the search endpoint`,
      severity: pick(SEVERITIES),
      status: pick(FINDING_STATUSES),
      description: 'The search parameter is written back into the page without encoding; a crafted link runs script in the session of whoever opens it.',
      cwe: 'CWE-79',
      tags: ['bench-workload', pick(TAG_WORDS)],
    }),
  })],
];

export const MIXES = {
  /** Reads only. */
  read: READS,
  /** The reads, with about 10% updates and 5% creates. */
  workday: [...READS.map(([c, w, m]): Weighted => [c, (w * 85) / 100, m]), ...WRITES],
} satisfies Record<string, Weighted[]>;
export type MixName = keyof typeof MIXES;

export const CLASSES = [...READS, ...WRITES].map(([c]) => c);

export function drawer(mix: Weighted[], u: Universe, s: State): () => Draw {
  const total = mix.reduce((sum, [, w]) => sum + w, 0);
  return () => {
    let r = Math.random() * total;
    for (const [cls, w, make] of mix) {
      r -= w;
      if (r < 0) return { cls, ...make(u, s) };
    }
    const [cls, , make] = mix[mix.length - 1]!;
    return { cls, ...make(u, s) };
  };
}

/** One class alone, for the idle table. */
export function classDrawer(cls: string, u: Universe, s: State): () => Draw {
  const entry = [...READS, ...WRITES].find(([c]) => c === cls)!;
  return drawer([entry], u, s);
}
