import { Redis } from 'ioredis';

/**
 * Redis connections for state several instances share (rate-limit counters, revocation
 * broadcasts). Commands fail fast while Redis is away (no offline queue) so callers can fail open;
 * the client keeps reconnecting in the background and is used again as soon as it answers.
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    connectTimeout: 2000,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  redis.on('error', () => undefined); // reported where commands fail; reconnecting is automatic
  return redis;
}

export interface Logger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Revocations published to every instance so their caches forget a credential within a second. */
export interface RevocationBus {
  publish(message: RevocationMessage): void;
  /** Resolves once subscribed (or after `ms`). */
  ready(ms?: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface RevocationMessage {
  credentialIds?: string[];
  ownerIds?: string[];
}

export function createRevocationBus(opts: {
  url: string;
  channel: string;
  publisher: Redis;
  log: Logger;
  onMessage: (m: RevocationMessage) => void;
}): RevocationBus {
  const sub = new Redis(opts.url, { retryStrategy: (times) => Math.min(times * 200, 2000), maxRetriesPerRequest: null });
  let warned = 0;
  sub.on('error', (err) => {
    if (Date.now() - warned > 10_000) {
      warned = Date.now();
      opts.log.warn({ err: err.message }, 'redis subscriber unavailable; revocations from other instances arrive with the cache lifetime');
    }
  });
  const subscribed = sub.subscribe(opts.channel).then(() => true, () => false);
  sub.on('message', (channel, text) => {
    if (channel !== opts.channel) return;
    try {
      opts.onMessage(JSON.parse(text) as RevocationMessage);
    } catch {
      // not ours
    }
  });
  return {
    publish(message) {
      opts.publisher.publish(opts.channel, JSON.stringify(message)).catch((err: Error) => {
        opts.log.warn({ err: err.message }, 'could not publish a revocation to redis');
      });
    },
    ready(ms = 2000) {
      return Promise.race([subscribed, new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    },
    async close() {
      sub.disconnect();
    },
  };
}

/** Waits (at most `ms`) for the first connection, so the first requests already count in Redis. */
export function redisReady(redis: Redis, ms = 2000): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
