import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { client, freshWindow, raw, redisProxy, redisUrl, secondInstance, setup, sleep, startServer, teardown, type Setup, type TestServer, type TestTenant } from '../helpers/index.js';

const REDIS = await redisUrl();

describe('rate limits (in-process counters)', () => {
  let s: Setup;
  let server: TestServer;
  let tenant: TestTenant;
  beforeAll(async () => {
    s = await setup({ env: { NEURO_RATE_LIMIT_PER_MINUTE: '5', NEURO_RATE_LIMIT_PER_HOUR: '1000', REDIS_URL: '' } });
    ({ server, tenant } = s);
  }, 180_000);
  afterAll(() => teardown(s));

  it('allows the minute’s limit per credential, then 429 with Retry-After; headers describe the tightest window', async () => {
    const token = await server.mintToken(tenant, ['projects:read'], 'viewer');
    const other = await server.mintToken(tenant, ['projects:read'], 'viewer');
    await freshWindow(60);
    const api = client(server.url, token);
    for (let i = 1; i <= 5; i++) {
      const res = await api.get('/projects');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('5');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(5 - i));
      const reset = Number(res.headers.get('x-ratelimit-reset'));
      expect(reset % 60).toBe(0);
      expect(reset).toBeGreaterThan(Date.now() / 1000);
      expect(res.headers.get('ratelimit-policy')).toBe('"minute";q=5;w=60, "hour";q=1000;w=3600');
      expect(res.headers.get('ratelimit')).toMatch(new RegExp(`^"minute";r=${5 - i};t=\\d+$`));
    }
    const over = await api.get('/projects');
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('RATE_LIMIT_EXCEEDED');
    const retry = Number(over.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    // Another credential is not affected.
    expect((await client(server.url, other).get('/projects')).status).toBe(200);
  });

  it('counts requests without a credential (or with a bad one) per IP', async () => {
    await freshWindow(60);
    let last;
    for (let i = 0; i < 6; i++) last = await raw(`${server.url}/health`);
    expect(last!.status).toBe(429);
    const bad = await raw(`${server.url}/projects`, { headers: { authorization: 'Bearer nf_live_nope' } });
    expect(bad.status).toBe(429);
    // A valid credential has its own counter.
    const token = await server.mintToken(tenant, ['projects:read'], 'viewer');
    expect((await client(server.url, token).get('/projects')).status).toBe(200);
  });
});

describe('rate limits: the hour window', () => {
  it('is enforced too, and its headers show when it is the tightest', async () => {
    const server = await startServer({ env: { NEURO_RATE_LIMIT_PER_MINUTE: '100', NEURO_RATE_LIMIT_PER_HOUR: '3', REDIS_URL: '' } });
    try {
      const tenant = await server.createTenant();
      const token = await server.mintToken(tenant, ['projects:read'], 'viewer');
      await freshWindow(3600, 5000);
      const api = client(server.url, token);
      for (let i = 0; i < 3; i++) {
        const res = await api.get('/projects');
        expect(res.status).toBe(200);
        expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      }
      const over = await api.get('/projects');
      expect(over.status).toBe(429);
      expect(over.headers.get('ratelimit')).toMatch(/^"hour";r=0;t=\d+$/);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(over.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
    } finally {
      await teardown(server);
    }
  }, 120_000);
});

describe.skipIf(!REDIS)('rate limits in Redis', () => {
  it('are shared by two instances, and one credential never affects another', async () => {
    const prefix = `neuro-rl-${randomBytes(4).toString('hex')}:`;
    const server = await startServer({ env: { REDIS_URL: REDIS!, NEURO_REDIS_PREFIX: prefix, NEURO_RATE_LIMIT_PER_MINUTE: '5' } });
    const second = await secondInstance(server);
    const redis = new Redis(REDIS!);
    try {
      const tenant = await server.createTenant();
      const token = await server.mintToken(tenant, ['projects:read'], 'viewer');
      const other = await server.mintToken(tenant, ['projects:read'], 'viewer');
      await freshWindow(60);
      for (let i = 0; i < 3; i++) expect((await client(server.url, token).get('/projects')).status).toBe(200);
      for (let i = 0; i < 2; i++) expect((await client(second.url, token).get('/projects')).status).toBe(200);
      const over = await client(second.url, token).get('/projects');
      expect(over.status).toBe(429);
      expect((await client(server.url, token).get('/projects')).status).toBe(429);
      expect((await client(second.url, other).get('/projects')).status).toBe(200);
      const keys = await redis.keys(`${prefix}rl:*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) expect(await redis.ttl(k)).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
      await second.close();
      await teardown(server);
    }
  }, 120_000);

  it('fail open when Redis goes away (with a warning) and are shared again when it returns', async () => {
    const proxy = await redisProxy(REDIS!);
    const prefix = `neuro-rl-${randomBytes(4).toString('hex')}:`;
    const server = await startServer({ env: { REDIS_URL: proxy.url, NEURO_REDIS_PREFIX: prefix, NEURO_RATE_LIMIT_PER_MINUTE: '1000' } });
    const redis = new Redis(REDIS!);
    try {
      const tenant = await server.createTenant();
      const token = await server.mintToken(tenant, ['projects:read'], 'viewer');
      const api = client(server.url, token);
      await freshWindow(60, 10_000);
      expect((await api.get('/projects')).status).toBe(200);
      const counted = async () => {
        const keys = await redis.keys(`${prefix}rl:minute:*`);
        return keys.length ? Number(await redis.get(keys[0]!)) : 0;
      };
      expect(await counted()).toBe(1);
      await proxy.cut();
      for (let i = 0; i < 3; i++) {
        const res = await api.get('/projects');
        expect(res.status).toBe(200);
        expect(res.headers.get('x-ratelimit-limit')).toBe('1000');
      }
      expect(server.logs.join('')).toMatch(/redis unavailable/);
      expect(await counted()).toBe(1);
      await proxy.restore();
      // The client reconnects by itself (backoff up to 2 s).
      let back = false;
      for (let i = 0; i < 40 && !back; i++) {
        await sleep(250);
        await api.get('/projects');
        back = (await counted()) > 1;
      }
      expect(back).toBe(true);
      expect(server.logs.join('')).toMatch(/redis answers again/);
    } finally {
      redis.disconnect();
      await server.close();
      await proxy.close();
    }
  }, 120_000);
});
