/**
 * Fixed-window request counters per credential (per IP without one), a minute and an hour window
 * counted together. This in-process store is the default; a shared store plugs in behind the same
 * interface when several instances must agree.
 */
export interface RateLimitWindow {
  name: string;
  limit: number;
  seconds: number;
}

export interface RateLimitState {
  name: string;
  limit: number;
  remaining: number;
  /** Unix seconds when the window resets. */
  reset: number;
  seconds: number;
}

export interface RateLimitResult {
  /** The window closest to running out: the one the X-RateLimit-* headers describe. */
  tightest: RateLimitState;
  windows: RateLimitState[];
  exceeded: boolean;
  retryAfter: number;
  /** The RateLimit-Policy field, the same for every result of one limiter. */
  policy: string;
}

/** A counter of attempts per key in one fixed window (failed logins). */
export interface AttemptWindow {
  name: string;
  seconds: number;
}

export interface RateLimitStore {
  /** Adds one hit to each window and returns the counts after it. */
  increment(key: string, windows: RateLimitWindow[], nowMs: number): Promise<number[]>;
  /**
   * Counts one attempt on every key, unless one of them has reached its limit already: all or
   * none, in one atomic step (never a read then a write), so concurrent attempts cannot all pass
   * a check made before any of them was counted. True when the attempt was counted.
   */
  reserve(keys: { key: string; limit: number }[], window: AttemptWindow, nowMs: number): Promise<boolean>;
  /** Takes one attempt back from each key (never below zero): the attempt succeeded. */
  release(keys: string[], window: AttemptWindow, nowMs: number): Promise<void>;
  /** Sets the windows' counts back to zero (a successful login clears its failures). */
  reset(key: string, windows: AttemptWindow[], nowMs: number): Promise<void>;
}

export class MemoryRateLimitStore implements RateLimitStore {
  /** `seconds`: the counter's window, so that a sweep forgets it only once that window is over. */
  private readonly counters = new Map<string, { start: number; count: number; seconds: number }>();
  private lastSweep = 0;

  async increment(key: string, windows: RateLimitWindow[], nowMs: number): Promise<number[]> {
    this.sweep(nowMs);
    return windows.map((w) => {
      const start = Math.floor(nowMs / 1000 / w.seconds) * w.seconds;
      const id = `${w.name}:${key}`;
      const c = this.counters.get(id);
      if (!c || c.start !== start) {
        this.counters.set(id, { start, count: 1, seconds: w.seconds });
        return 1;
      }
      return ++c.count;
    });
  }

  // Synchronous from the first read to the last write: atomic within the process.
  async reserve(keys: { key: string; limit: number }[], w: AttemptWindow, nowMs: number): Promise<boolean> {
    this.sweep(nowMs);
    const start = Math.floor(nowMs / 1000 / w.seconds) * w.seconds;
    const current = (key: string) => {
      const c = this.counters.get(`${w.name}:${key}`);
      return c && c.start === start ? c : undefined;
    };
    if (keys.some((k) => (current(k.key)?.count ?? 0) >= k.limit)) return false;
    for (const k of keys) {
      const c = current(k.key);
      if (c) c.count++;
      else this.counters.set(`${w.name}:${k.key}`, { start, count: 1, seconds: w.seconds });
    }
    return true;
  }

  async release(keys: string[], w: AttemptWindow, nowMs: number): Promise<void> {
    const start = Math.floor(nowMs / 1000 / w.seconds) * w.seconds;
    for (const key of keys) {
      const c = this.counters.get(`${w.name}:${key}`);
      if (c && c.start === start && c.count > 0) c.count--;
    }
  }

  async reset(key: string, windows: AttemptWindow[], _nowMs?: number): Promise<void> {
    for (const w of windows) this.counters.delete(`${w.name}:${key}`);
  }

  // The request limiter and the login throttle share a store with windows of different lengths:
  // each counter is forgotten when its own window is over, not by the caller's longest window.
  private sweep(nowMs: number) {
    if (nowMs - this.lastSweep < 60_000) return;
    this.lastSweep = nowMs;
    for (const [id, c] of this.counters) if (c.start + c.seconds <= nowMs / 1000) this.counters.delete(id);
  }
}

export function createRateLimiter(opts: { perMinute: number; perHour: number; store?: RateLimitStore }) {
  const windows: RateLimitWindow[] = [
    { name: 'minute', limit: opts.perMinute, seconds: 60 },
    { name: 'hour', limit: opts.perHour, seconds: 3600 },
  ];
  const store = opts.store ?? new MemoryRateLimitStore();
  const policy = policyOf(windows);
  return {
    windows,
    async hit(key: string, nowMs = Date.now()): Promise<RateLimitResult> {
      const counts = await store.increment(key, windows, nowMs);
      const nowS = nowMs / 1000;
      // Runs on every request: plain loops, no sorting.
      const states: RateLimitState[] = [];
      let tightest: RateLimitState | undefined;
      let firstOver: RateLimitState | undefined;
      let latestOverReset = 0;
      for (let i = 0; i < windows.length; i++) {
        const w = windows[i]!;
        const s = {
          name: w.name, limit: w.limit, seconds: w.seconds,
          remaining: Math.max(0, w.limit - counts[i]!), reset: Math.floor(nowS / w.seconds) * w.seconds + w.seconds,
        };
        states.push(s);
        if (counts[i]! > w.limit) {
          firstOver ??= s;
          latestOverReset = Math.max(latestOverReset, s.reset);
        }
        const share = s.remaining / s.limit;
        const best = tightest && tightest.remaining / tightest.limit;
        if (!tightest || share < best! || (share === best && s.reset < tightest.reset)) tightest = s;
      }
      const retryAfter = firstOver ? Math.max(1, Math.ceil(latestOverReset - nowS)) : 0;
      return { tightest: firstOver ?? tightest!, windows: states, exceeded: firstOver !== undefined, retryAfter, policy };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

/**
 * Failed attempts (logins, password and code confirmations) per key — an account, an IP — in a
 * fixed window. An attempt is counted before it is checked: `reserve` counts it on every key, or
 * answers how long to wait when one key is at its limit; a successful attempt then releases its
 * reservation, and a failed one stays counted. Counting first is what keeps a concurrent burst
 * within the limit.
 */
export function createFailureThrottle(opts: { store: RateLimitStore; windowSeconds: number }) {
  const window: AttemptWindow = { name: 'login', seconds: opts.windowSeconds };
  const retryAfter = (nowMs: number) => {
    const nowS = nowMs / 1000;
    return Math.max(1, Math.ceil(Math.floor(nowS / opts.windowSeconds) * opts.windowSeconds + opts.windowSeconds - nowS));
  };
  return {
    /** `wait` 0 and `release` when the attempt may go ahead; else the seconds to wait. */
    async reserve(keys: { key: string; limit: number }[], nowMs = Date.now()): Promise<{ wait: number; release: () => Promise<void> }> {
      const counted = keys.map((k) => ({ key: `fail:${k.key}`, limit: k.limit }));
      if (!(await opts.store.reserve(counted, window, nowMs))) return { wait: retryAfter(nowMs), release: async () => undefined };
      let released = false;
      return {
        wait: 0,
        // Into the window the attempt was counted in, and once only.
        release: async () => {
          if (released) return;
          released = true;
          await opts.store.release(counted.map((k) => k.key), window, nowMs);
        },
      };
    },
    async clear(key: string, nowMs = Date.now()): Promise<void> {
      await opts.store.reset(`fail:${key}`, [window], nowMs);
    },
  };
}

export type FailureThrottle = ReturnType<typeof createFailureThrottle>;

function policyOf(windows: Pick<RateLimitWindow, 'name' | 'limit' | 'seconds'>[]): string {
  return windows.map((w) => `"${w.name}";q=${w.limit};w=${w.seconds}`).join(', ');
}

/** X-RateLimit-* (the documents) plus the IETF draft's RateLimit-Policy and RateLimit fields. */
export function rateLimitHeaders(r: RateLimitResult, nowMs = Date.now()): Record<string, string> {
  const t = r.tightest;
  const nowS = Math.floor(nowMs / 1000);
  return {
    'x-ratelimit-limit': String(t.limit),
    'x-ratelimit-remaining': String(t.remaining),
    'x-ratelimit-reset': String(t.reset),
    'ratelimit-policy': r.policy,
    ratelimit: `"${t.name}";r=${t.remaining};t=${Math.max(0, t.reset - nowS)}`,
  };
}
