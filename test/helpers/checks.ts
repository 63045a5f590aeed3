import { expect } from 'vitest';
import type { ResponseMismatch } from '../../src/server/plugins/response-check.js';

/**
 * What every test file checks about every server it ran, in-process or spawned: that it logged no
 * error and answered no 5xx, and (in-process) that every response matched its route's schema.
 * Each server registers here when it starts; teardown() checks it at once, and file-hooks.ts
 * checks (and stops) whatever a file left at its end, so no file can skip the check.
 */
export interface Checked {
  name: string;
  /** Log lines (JSON) or the process's output. */
  logs(): string[];
  mismatches: ResponseMismatch[];
  /** Stops it if it still runs. */
  stop(): Promise<void>;
  checked: boolean;
}

const started = new Set<Checked>();

export function track(c: Omit<Checked, 'checked'>): Checked {
  const entry = { ...c, checked: false };
  started.add(entry);
  return entry;
}

const SERVER_ERROR = /"level":(50|60)|"statusCode":5\d\d/;

export function problemsOf(c: Checked): string[] {
  const errors = c.logs().join('\n').split('\n').filter((l) => SERVER_ERROR.test(l));
  const mismatches = c.mismatches.map((m) => `${m.method} ${m.route} → ${m.status}: ${m.problem}`);
  return [...errors.map((l) => `${c.name} logged: ${l}`), ...mismatches.map((m) => `${c.name} contract: ${m}`)];
}

/** Stops `c` and asserts that it logged no server error and broke no response schema. */
export async function stopAndCheck(c: Checked): Promise<void> {
  await c.stop();
  if (c.checked) return;
  c.checked = true;
  expect(problemsOf(c), 'server errors (5xx, error logs) or responses that break their schema').toEqual([]);
}

/** Every server the file started and did not check yet: stop and check each, then fail with all problems. */
export async function checkAll(): Promise<void> {
  const problems: string[] = [];
  // Last started first: a second instance stops before the server whose database it shares.
  for (const c of [...started].reverse()) {
    await c.stop().catch((err: unknown) => problems.push(`${c.name}: stopping failed: ${String(err)}`));
    if (!c.checked) {
      c.checked = true;
      problems.push(...problemsOf(c));
    }
  }
  started.clear();
  expect(problems, 'server errors (5xx, error logs) or responses that break their schema').toEqual([]);
}
