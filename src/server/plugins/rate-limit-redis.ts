import type { Redis } from 'ioredis';
import type { Logger } from '../lib/redis.js';
import { MemoryRateLimitStore, type RateLimitStore, type RateLimitWindow } from './rate-limit.js';

// INCR and EXPIRE of every window in one atomic step.
const INCREMENT = `
local out = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, ARGV[i]) end
  out[i] = n
end
return out`;

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

  private keys(key: string, windows: RateLimitWindow[], nowMs: number): string[] {
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

  async peek(key: string, windows: RateLimitWindow[], nowMs: number): Promise<number[]> {
    try {
      const out = await this.redis.mget(...this.keys(key, windows, nowMs));
      this.up();
      return out.map((v) => Number(v ?? 0));
    } catch (err) {
      this.down(err);
      return this.fallback.peek(key, windows, nowMs);
    }
  }

  async reset(key: string, windows: RateLimitWindow[], nowMs: number): Promise<void> {
    try {
      await this.redis.del(...this.keys(key, windows, nowMs));
    } catch (err) {
      this.down(err);
    }
    await this.fallback.reset(key, windows, nowMs);
  }
}
