import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startServer, type TestServer, type TestTenant, type TestUser, client, freshStep, raw, redisUrl, totpCode } from '../helpers/index.js';
import { MemoryRateLimitStore, createFailureThrottle, type RateLimitStore } from '../../src/server/plugins/rate-limit.js';
import { RedisRateLimitStore } from '../../src/server/plugins/rate-limit-redis.js';

/**
 * The failed-attempt limit holds under a concurrent burst: each attempt is counted (reserved)
 * before the password or code is checked, so of 90 parallel wrong guesses at most the limit are
 * even checked; the rest are 429 and so is the right password afterwards, until the window ends.
 */
const REDIS = await redisUrl();
const LIMIT = 10;
const BURST = 90;

const stores: [string, Record<string, string>][] = [['the in-process store', { REDIS_URL: '' }]];
if (REDIS) stores.push(['Redis', { REDIS_URL: REDIS, NEURO_REDIS_PREFIX: `neuro-lt-${randomBytes(4).toString('hex')}:` }]);

/** Six-digit codes that are not valid now (nor one step either side). */
function wrongCodes(secret: string, n: number): string[] {
  const now = Date.now();
  // Wrong for two steps either way: a burst that crosses a step boundary still sends only wrong codes.
  const valid = new Set([-60_000, -30_000, 0, 30_000, 60_000].map((d) => totpCode(secret, now + d)));
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const c = String(100_000 + ((i * 7919) % 900_000));
    if (!valid.has(c)) out.push(c);
  }
  return out;
}

function tally(statuses: number[]): Record<number, number> {
  const t: Record<number, number> = {};
  for (const s of statuses) t[s] = (t[s] ?? 0) + 1;
  return t;
}

describe.each(stores)('failed-attempt limit under a concurrent burst, %s', (_name, env) => {
  let server: TestServer;
  let tenant: TestTenant;
  beforeAll(async () => {
    server = await startServer({
      env: { ...env, NEURO_LOGIN_MAX_FAILURES: String(LIMIT), NEURO_LOGIN_MAX_FAILURES_PER_IP: '100000', NEURO_LOGIN_WINDOW_SECONDS: '86400' },
    });
    tenant = await server.createTenant();
  }, 180_000);
  afterAll(() => server?.close());

  const login = (body: Record<string, unknown>) => raw(`${server.url}/auth/login`, { method: 'POST', body });
  const failedEvents = async (user: TestUser) =>
    (await client(server.url, tenant.token).get(`/audit-log?actor=${user.id}&action=auth.login_failed&limit=100`)).body.meta.total as number;

  async function withTotp(user: TestUser) {
    const api = client(server.url, (await server.login(tenant, user)).access_token);
    const setup = (await api.post('/user/2fa/setup')).body.data;
    await freshStep(3_000);
    expect((await api.post('/user/2fa/enable', { totp_code: totpCode(setup.secret) })).status).toBe(200);
    return { api, secret: setup.secret as string };
  }

  it('login: at most the limit of wrong passwords are checked, the rest and then the right one are 429', async () => {
    const user = await server.createUser(tenant, { role: 'viewer' });
    const burst = await Promise.all(Array.from({ length: BURST }, (_, i) => login({ email: user.email, password: `wrong password ${i}` })));
    const t = tally(burst.map((r) => r.status));
    expect(t[200]).toBeUndefined();
    expect(t[401] ?? 0).toBeLessThanOrEqual(LIMIT);
    expect((t[401] ?? 0) + (t[429] ?? 0)).toBe(BURST);
    for (const r of burst.filter((x) => x.status === 429)) {
      expect(r.body.error.code).toBe('RATE_LIMIT_EXCEEDED');
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(await failedEvents(user)).toBeLessThanOrEqual(LIMIT);
    const right = await login({ email: user.email, password: user.password });
    expect(right.status).toBe(429);
  }, 60_000);

  it('login with the right password and a burst of wrong TOTP codes: at most the limit are checked', async () => {
    const user = await server.createUser(tenant, { role: 'viewer' });
    const { secret } = await withTotp(user);
    await freshStep(3_000);
    const codes = wrongCodes(secret, BURST);
    const burst = await Promise.all(codes.map((c) => login({ email: user.email, password: user.password, totp_code: c })));
    const t = tally(burst.map((r) => r.status));
    expect(t[200]).toBeUndefined();
    expect(t[401] ?? 0).toBeLessThanOrEqual(LIMIT);
    expect((t[401] ?? 0) + (t[429] ?? 0)).toBe(BURST);
    const right = await login({ email: user.email, password: user.password, totp_code: totpCode(secret) });
    expect(right.status).toBe(429);
  }, 60_000);

  it('PUT /user/password: at most the limit of wrong current passwords are checked', async () => {
    const user = await server.createUser(tenant, { role: 'viewer' });
    const api = client(server.url, (await server.login(tenant, user)).access_token);
    const burst = await Promise.all(
      Array.from({ length: BURST }, (_, i) => api.put('/user/password', { current_password: `wrong password ${i}`, new_password: 'a brand new password 77' })),
    );
    const t = tally(burst.map((r) => r.status));
    expect(t[204]).toBeUndefined();
    expect(t[400] ?? 0).toBeLessThanOrEqual(LIMIT);
    expect((t[400] ?? 0) + (t[429] ?? 0)).toBe(BURST);
    const right = await api.put('/user/password', { current_password: user.password, new_password: 'a brand new password 77' });
    expect(right.status).toBe(429);
    // The login of that account is limited too (one account, one counter).
    expect((await login({ email: user.email, password: user.password })).status).toBe(429);
  }, 60_000);

  it('POST /user/2fa/disable: at most the limit of wrong codes are checked', async () => {
    const user = await server.createUser(tenant, { role: 'viewer' });
    const { api, secret } = await withTotp(user);
    await freshStep(3_000);
    const codes = wrongCodes(secret, BURST);
    const burst = await Promise.all(codes.map((c) => api.post('/user/2fa/disable', { password: user.password, totp_code: c })));
    const t = tally(burst.map((r) => r.status));
    expect(t[200]).toBeUndefined();
    expect(t[400] ?? 0).toBeLessThanOrEqual(LIMIT);
    expect((t[400] ?? 0) + (t[429] ?? 0)).toBe(BURST);
    const right = await api.post('/user/2fa/disable', { password: user.password, totp_code: totpCode(secret) });
    expect(right.status).toBe(429);
    expect((await api.get('/user')).body.data.totp_enabled).toBe(true);
  }, 60_000);

  it('a success releases its reservation: right passwords one after another never lock the account', async () => {
    const user = await server.createUser(tenant, { role: 'viewer' });
    for (let i = 0; i < LIMIT + 5; i++) expect((await login({ email: user.email, password: user.password })).status).toBe(200);
    const api = client(server.url, (await server.login(tenant, user)).access_token);
    let password = user.password;
    for (let i = 0; i < 3; i++) {
      const next = `rotated password number ${i}`;
      expect((await api.put('/user/password', { current_password: password, new_password: next })).status).toBe(204);
      password = next;
    }
    for (let i = 0; i < LIMIT - 1; i++) expect((await login({ email: user.email, password: 'wrong wrong wrong' })).status).toBe(401);
    expect((await login({ email: user.email, password })).status).toBe(200);
    // The success cleared the account's failures.
    for (let i = 0; i < LIMIT; i++) expect((await login({ email: user.email, password: 'wrong wrong wrong' })).status).toBe(401);
    expect((await login({ email: user.email, password })).status).toBe(429);
  }, 60_000);
});

describe('the stores reserve atomically', () => {
  const makers: [string, () => { store: RateLimitStore; close(): void }][] = [['memory', () => ({ store: new MemoryRateLimitStore(), close: () => undefined })]];
  if (REDIS) {
    makers.push(['Redis', () => {
      const redis = new Redis(REDIS);
      const log = { warn: () => undefined, info: () => undefined };
      return { store: new RedisRateLimitStore(redis, `neuro-lt-${randomBytes(4).toString('hex')}:`, log), close: () => redis.disconnect() };
    }]);
  }
  it.each(makers)('%s: of 200 concurrent reservations exactly the limit pass; a release lets one more in, never below zero', async (_n, make) => {
    const { store, close } = make();
    try {
      const throttle = createFailureThrottle({ store, windowSeconds: 3600 });
      const now = Date.now();
      const keys = [{ key: 'acct:a@example.com', limit: 10 }, { key: 'ip:10.0.0.1', limit: 1000 }];
      const results = await Promise.all(Array.from({ length: 200 }, () => throttle.reserve(keys, now)));
      expect(results.filter((r) => r.wait === 0)).toHaveLength(10);
      // A refused attempt counted nothing on the other key: the IP has 10, not 200.
      const ipOnly = await Promise.all(Array.from({ length: 1000 }, () => throttle.reserve([keys[1]!], now)));
      expect(ipOnly.filter((r) => r.wait === 0)).toHaveLength(990);
      const passed = results.find((r) => r.wait === 0)!;
      await passed.release();
      await passed.release(); // once only
      expect((await throttle.reserve([keys[0]!], now)).wait).toBe(0);
      expect((await throttle.reserve([keys[0]!], now)).wait).toBeGreaterThan(0);
      await throttle.clear(keys[0]!.key, now);
      for (const r of results) await r.release();
      expect((await throttle.reserve([keys[0]!], now)).wait).toBe(0);
    } finally {
      close();
    }
  });
});

describe('the in-process store forgets a counter only after its own window', () => {
  it('a login-window sweep keeps the request limiter’s hour counters, and the reverse', async () => {
    const store = new MemoryRateLimitStore();
    const hour = [{ name: 'hour', limit: 100, seconds: 3600 }];
    const day = { name: 'login', seconds: 86_400 };
    const t0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 1000;
    expect(await store.increment('cred:x', hour, t0)).toEqual([1]);
    expect(await store.reserve([{ key: 'acct:a', limit: 3 }], day, t0)).toBe(true);
    // Two minutes on, a short login window sweeps: the hour counter is still in its window.
    expect(await store.reserve([{ key: 'acct:b', limit: 3 }], { name: 'login-short', seconds: 60 }, t0 + 120_000)).toBe(true);
    expect(await store.increment('cred:x', hour, t0 + 120_000)).toEqual([2]);
    // Two hours on, the request limiter sweeps: the day-long login counter is still in its window.
    expect(await store.increment('cred:y', hour, t0 + 7_200_000)).toEqual([1]);
    for (let i = 0; i < 2; i++) expect(await store.reserve([{ key: 'acct:a', limit: 3 }], day, t0 + 7_200_000)).toBe(true);
    expect(await store.reserve([{ key: 'acct:a', limit: 3 }], day, t0 + 7_200_000)).toBe(false);
  });
});
