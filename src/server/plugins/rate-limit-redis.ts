import type { Redis } from 'ioredis';
import type { Logger } from '../lib/redis.js';
import { MemoryRateLimitStore, type AttemptWindow, type RateLimitStore, type RateLimitWindow } from './rate-limit.js';

// INCR and EXPIRE of every window in one atomic step.
const INCREMENT = `
local out = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, ARGV[i]) end
  out[i] = n
end
return out`;

// Failed attempts: count one on every key unless one is at its limit, all or none, in one atomic
// step. KEYS: the counters; ARGV[1]: their TTL; ARGV[1 + i]: the limit of KEYS[i].
const RESERVE = `
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i + 1]) then return 0 end
end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, ARGV[1]) end
end
return 1`;

// Takes one back from each counter, never below zero.
const RELEASE = `
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 1`;

/**
 * Counters in Redis, shared by every instance. When Redis does not answer, the server keeps
 * serving: it counts in its own memory (fail open, with a warning at most every 10 seconds) and
 * goes back to Redis as soon as it answers again.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly fallback = new MemoryRateLimitStore();
  private warnedAt = 0;
  private failing = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {}

  private keys(key: string, windows: AttemptWindow[], nowMs: number): string[] {
    return windows.map((w) => `${this.prefix}rl:${w.name}:${key}:${Math.floor(nowMs / 1000 / w.seconds)}`);
  }

  private down(err: unknown) {
    this.failing = true;
    if (Date.now() - this.warnedAt > 10_000) {
      this.warnedAt = Date.now();
      this.log.warn({ err: (err as Error).message }, 'redis unavailable: rate limits are counted per instance until it answers');
    }
  }

  private up() {
    if (!this.failing) return;
    this.failing = false;
    this.log.info({}, 'redis answers again: rate limits are shared again');
  }

  async increment(key: string, windows: RateLimitWindow[], nowMs: number): Promise<number[]> {
    try {
      const ttls = windows.map((w) => String(w.seconds + 1));
      const out = (await this.redis.eval(INCREMENT, windows.length, ...this.keys(key, windows, nowMs), ...ttls)) as number[];
      this.up();
      return out.map(Number);
    } catch (err) {
      this.down(err);
      return this.fallback.increment(key, windows, nowMs);
    }
  }

  async reserve(keys: { key: string; limit: number }[], w: AttemptWindow, nowMs: number): Promise<boolean> {
    try {
      const names = keys.map((k) => this.keys(k.key, [w], nowMs)[0]!);
      const out = await this.redis.eval(RESERVE, names.length, ...names, String(w.seconds + 1), ...keys.map((k) => String(k.limit)));
      this.up();
      return Number(out) === 1;
    } catch (err) {
      this.down(err);
      return this.fallback.reserve(keys, w, nowMs);
    }
  }

  async release(keys: string[], w: AttemptWindow, nowMs: number): Promise<void> {
    try {
      const names = keys.map((k) => this.keys(k, [w], nowMs)[0]!);
      await this.redis.eval(RELEASE, names.length, ...names);
      this.up();
    } catch (err) {
      this.down(err);
    }
    await this.fallback.release(keys, w, nowMs);
  }

  async reset(key: string, windows: AttemptWindow[], nowMs: number): Promise<void> {
    try {
      await this.redis.del(...this.keys(key, windows, nowMs));
    } catch (err) {
      this.down(err);
    }
    await this.fallback.reset(key, windows, nowMs);
  }
}
