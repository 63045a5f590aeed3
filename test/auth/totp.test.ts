import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, freshStep, raw, setup, teardown, totpCode, type Setup, type TestServer, type TestTenant, type TestUser } from '../helpers/index.js';

let s: Setup;
let server: TestServer;
let tenant: TestTenant;

beforeAll(async () => {
  s = await setup();
  ({ server, tenant } = s);
}, 180_000);
afterAll(() => teardown(s));

const login = (user: TestUser, extra: Record<string, unknown> = {}) =>
  raw(`${server.url}/auth/login`, { method: 'POST', body: { email: user.email, password: user.password, ...extra } });

/** A user with 2FA on: returns the secret and recovery codes. */
async function withTotp() {
  const user = await server.createUser(tenant);
  const api = client(server.url, (await server.login(tenant, user)).access_token);
  const setup = await api.post('/user/2fa/setup');
  expect(setup.status).toBe(200);
  const { secret, otpauth_url, qr_code } = setup.body.data;
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  expect(otpauth_url).toMatch(/^otpauth:\/\/totp\/NEURO:.+secret=/);
  expect(qr_code).toMatch(/^data:image\/svg\+xml;base64,/);
  await freshStep(10_000);
  const bad = await api.post('/user/2fa/enable', { totp_code: '000000' === totpCode(secret) ? '111111' : '000000' });
  expect(bad.status).toBe(400);
  const enable = await api.post('/user/2fa/enable', { totp_code: totpCode(secret) });
  expect(enable.status).toBe(200);
  expect(enable.body.data.enabled).toBe(true);
  const codes: string[] = enable.body.data.recovery_codes;
  expect(codes).toHaveLength(10);
  expect(new Set(codes).size).toBe(10);
  return { user, api, secret, codes };
}

describe('TOTP two-factor authentication', () => {
  /** As if 2FA had been enabled long ago: the enabling code's step is no longer the last one used. */
  async function ageLastStep(userId: string) {
    await server.db.tenant(tenant.id, (q) => q.query('UPDATE users SET totp_last_step = totp_last_step - 10 WHERE id = $1', [userId]));
  }

  it('after enabling, login without a code is TOTP_REQUIRED, a wrong code a 401, a right one works', async () => {
    const { user, secret } = await withTotp();
    const noCode = await login(user);
    expect(noCode.status).toBe(401);
    expect(noCode.body.error.code).toBe('TOTP_REQUIRED');
    const wrong = await login(user, { totp_code: totpCode(secret, Date.now() + 10 * 60_000) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('UNAUTHORIZED');
    // The wrong password with 2FA on still answers the password error (and reveals nothing of 2FA).
    const badPw = await raw(`${server.url}/auth/login`, { method: 'POST', body: { email: user.email, password: 'not the password' } });
    expect(badPw.body.error.message).toBe('Invalid email or password');
    // The code that enabled 2FA was used: it cannot log in.
    expect((await login(user, { totp_code: totpCode(secret) })).status).toBe(401);
    await ageLastStep(user.id);
    const ok = await login(user, { totp_code: totpCode(secret) });
    expect(ok.status).toBe(200);
  });

  it('never accepts a code twice, even within its window', async () => {
    const { user, secret } = await withTotp();
    await ageLastStep(user.id);
    const code = totpCode(secret);
    expect((await login(user, { totp_code: code })).status).toBe(200);
    const replay = await login(user, { totp_code: code });
    expect(replay.status).toBe(401);
  });

  it('accepts one step of drift either way, not two', async () => {
    const { user, secret } = await withTotp();
    await ageLastStep(user.id);
    const step = 30_000;
    expect((await login(user, { totp_code: totpCode(secret, Date.now() - 2 * step) })).status).toBe(401); // -2 steps
    expect((await login(user, { totp_code: totpCode(secret, Date.now() + 2 * step) })).status).toBe(401); // +2 steps
    expect((await login(user, { totp_code: totpCode(secret, Date.now() - step) })).status).toBe(200); // -1 step
    expect((await login(user, { totp_code: totpCode(secret) })).status).toBe(200); // now
    expect((await login(user, { totp_code: totpCode(secret, Date.now() + step) })).status).toBe(200); // +1 step
    // Nothing at or before the last accepted step works any more.
    expect((await login(user, { totp_code: totpCode(secret) })).status).toBe(401);
    expect((await login(user, { totp_code: totpCode(secret, Date.now() - step) })).status).toBe(401);
  });

  it('recovery codes work once each', async () => {
    const { user, codes } = await withTotp();
    expect((await login(user, { recovery_code: codes[0] })).status).toBe(200);
    const again = await login(user, { recovery_code: codes[0] });
    expect(again.status).toBe(401);
    expect((await login(user, { recovery_code: codes[1]!.toUpperCase().replace('-', '') })).status).toBe(200);
    expect((await login(user, { recovery_code: 'aaaaa-bbbbb' })).status).toBe(401);
    // Stored hashed only.
    const { rows } = await server.db.tenant(tenant.id, (q) =>
      q.query<{ code_hash: Buffer }>('SELECT code_hash FROM user_recovery_codes WHERE user_id = $1', [user.id]),
    );
    expect(rows).toHaveLength(10);
    for (const r of rows) for (const c of codes) expect(Buffer.from(r.code_hash).toString('utf8')).not.toContain(c);
  });

  it('stores the secret sealed; setup twice while on is a 409', async () => {
    const { user, api, secret } = await withTotp();
    const { rows } = await server.db.tenant(tenant.id, (q) => q.query<{ totp_secret: string }>('SELECT totp_secret FROM users WHERE id = $1', [user.id]));
    expect(rows[0]!.totp_secret).toMatch(/^v1\./);
    expect(rows[0]!.totp_secret).not.toContain(secret);
    expect((await api.post('/user/2fa/setup')).status).toBe(409);
    const users = await client(server.url, tenant.token).get(`/users/${user.id}`);
    expect(users.body.data.totp_enabled).toBe(true);
    expect(JSON.stringify(users.body)).not.toContain(secret);
  });

  it('disabling needs the password and a code; it is audited', async () => {
    const { user, api, codes } = await withTotp();
    const noPw = await api.post('/user/2fa/disable', { password: 'wrong password!', recovery_code: codes[0] });
    expect(noPw.status).toBe(400);
    expect(noPw.body.error.details[0].field).toBe('password');
    const noCode = await api.post('/user/2fa/disable', { password: user.password });
    expect(noCode.status).toBe(400);
    const badCode = await api.post('/user/2fa/disable', { password: user.password, recovery_code: 'zzzzz-zzzzz' });
    expect(badCode.status).toBe(400);
    const off = await api.post('/user/2fa/disable', { password: user.password, recovery_code: codes[2] });
    expect(off.status).toBe(200);
    expect(off.body.data.enabled).toBe(false);
    expect((await login(user)).status).toBe(200);
    const audit = await client(server.url, tenant.token).get(`/audit-log?actor=${user.id}&action=user.2fa_enabled,user.2fa_disabled`);
    expect(audit.body.data.map((e: any) => e.action).sort()).toEqual(['user.2fa_disabled', 'user.2fa_enabled']);
  });

  it('2FA endpoints need a signed-in session', async () => {
    expect((await client(server.url, tenant.token).post('/user/2fa/setup')).status).toBe(403);
    expect((await client(server.url).post('/user/2fa/setup')).status).toBe(401);
  });
});
