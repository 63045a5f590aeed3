import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectError, raw, setup, teardown, type Setup, type TestTenant } from '../helpers/index.js';
import { SCOPES } from '../../src/server/lib/scopes.js';
import { startFakeIdp, type FakeIdp } from './idp.js';

/** The admin settings of SSO: validation, the write-only secret, scopes and roles, tenants. */
let s: Setup;
let other: TestTenant;
let idp: FakeIdp;
const SECRET = 'very-secret-client-secret-0123456789';

const body = (overrides: Record<string, unknown> = {}) => ({
  issuer_url: idp.issuer, client_id: 'neuro', client_secret: SECRET, display_name: 'Acme ID', allowed_domains: ['acme.test'], ...overrides,
});

beforeAll(async () => {
  s = await setup();
  other = await s.server.createTenant();
  idp = await startFakeIdp();
});
afterAll(async () => {
  await idp?.close();
  await teardown(s);
});

describe('SSO settings', () => {
  it('are defaults until set, with the redirect URI to register', async () => {
    const res = await s.api.get('/settings/sso');
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual({
      configured: false, enabled: false, display_name: null, issuer_url: null, client_id: null, client_secret_set: false,
      allowed_domains: [], default_role: 'viewer', passwords_allowed: true, redirect_uri: `${s.server.origin}/api/v1/auth/sso/callback`,
      updated_at: null,
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses bad values with VALIDATION_ERROR naming each field', async () => {
    expectError(await s.api.put('/settings/sso', body({ issuer_url: 'http://idp.example.com' })), 400, 'VALIDATION_ERROR', ['issuer_url']);
    expectError(await s.api.put('/settings/sso', body({ issuer_url: 'not a url' })), 400, 'VALIDATION_ERROR', ['issuer_url']);
    expectError(await s.api.put('/settings/sso', body({ issuer_url: 'ftp://127.0.0.1/' })), 400, 'VALIDATION_ERROR', ['issuer_url']);
    expectError(await s.api.put('/settings/sso', body({ issuer_url: 'https://user:pw@idp.example.com' })), 400, 'VALIDATION_ERROR', ['issuer_url']);
    const many = await s.api.put('/settings/sso', body({ allowed_domains: ['acme.test', 'not a domain', '-x.com', 'acme.test'] }));
    expectError(many, 400, 'VALIDATION_ERROR', ['allowed_domains[1]', 'allowed_domains[2]', 'allowed_domains']);
    expectError(await s.api.put('/settings/sso', body({ allowed_domains: [] })), 400, 'VALIDATION_ERROR', ['allowed_domains']);
    expectError(await s.api.put('/settings/sso', body({ default_role: 'owner' })), 400, 'VALIDATION_ERROR', ['default_role']);
    expectError(await s.api.put('/settings/sso', body({ display_name: '   ' })), 400, 'VALIDATION_ERROR', ['display_name']);
    expectError(await s.api.put('/settings/sso', body({ extra: 1 })), 400, 'VALIDATION_ERROR');
    expectError(await s.api.put('/settings/sso', {}), 400, 'VALIDATION_ERROR', ['issuer_url', 'client_id', 'display_name', 'allowed_domains']);
    // A provider that does not answer discovery: refused before anything is saved.
    const dead = await s.api.put('/settings/sso', body({ issuer_url: 'http://127.0.0.1:9/' }));
    expectError(dead, 400, 'VALIDATION_ERROR', ['issuer_url']);
    expect(dead.body.error.details[0].message).toMatch(/could not be discovered/);
    expect((await s.api.get('/settings/sso')).body.data.configured).toBe(false);
  });

  it('saves a provider and never returns, logs or audits the secret', async () => {
    const res = await s.api.put('/settings/sso', body({ allowed_domains: ['Acme.test', '@partner.test'], default_role: 'tester' }));
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({
      configured: true, enabled: true, display_name: 'Acme ID', issuer_url: idp.issuer, client_id: 'neuro', client_secret_set: true,
      allowed_domains: ['acme.test', 'partner.test'], default_role: 'tester', passwords_allowed: true,
    });
    const get = await s.api.get('/settings/sso');
    expect(get.body.data).toEqual(res.body.data);
    // Left out, the secret stays; sent, it changes; null removes it.
    const kept = await s.api.put('/settings/sso', body({ client_secret: undefined, display_name: 'Acme SSO', allowed_domains: ['acme.test', 'partner.test'], default_role: 'tester' }));
    expect(kept.body.data).toMatchObject({ client_secret_set: true, display_name: 'Acme SSO' });
    const { rows } = await s.server.db.tenant(s.tenant.id, (q) => q.query<{ client_secret: string }>('SELECT client_secret FROM sso_settings WHERE tenant_id = $1', [s.tenant.id]));
    expect(rows[0]!.client_secret).toMatch(/^v1\./);
    expect(rows[0]!.client_secret).not.toContain(SECRET);

    const audit = await s.api.get('/audit-log?action=sso.*');
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual(['sso.settings_updated', 'sso.settings_updated']);
    expect(audit.body.data[0].changes).toEqual({ display_name: { old: 'Acme ID', new: 'Acme SSO' } });
    expect(audit.body.data[0].data.client_secret_changed).toBe(false);
    expect(audit.body.data[1].data.client_secret_changed).toBe(true);
    for (const text of [res.text, get.text, kept.text, audit.text, s.server.logs.join('\n')]) expect(text).not.toContain(SECRET);

    const cleared = await s.api.put('/settings/sso', body({ client_secret: null }));
    expect(cleared.body.data.client_secret_set).toBe(false);
  });

  it('need the admin scope (403) and the admin role (PERMISSION_DENIED)', async () => {
    const noAdmin = client(s.server.url, await s.server.mintToken(s.tenant, SCOPES.filter((x) => x !== 'admin'), 'admin'));
    for (const res of [await noAdmin.get('/settings/sso'), await noAdmin.put('/settings/sso', body()), await noAdmin.del('/settings/sso')]) {
      expectError(res, 403, 'FORBIDDEN');
    }
    const manager = await s.server.createUser(s.tenant, { role: 'manager' });
    const session = client(s.server.url, (await s.server.login(s.tenant, manager)).access_token);
    expectError(await session.get('/settings/sso'), 403, 'PERMISSION_DENIED');
    expectError(await session.put('/settings/sso', body()), 403, 'PERMISSION_DENIED');
    expectError(await client(s.server.url).get('/settings/sso'), 401, 'UNAUTHORIZED');
  });

  it('are each tenant’s own: another tenant sees and deletes nothing of them', async () => {
    const theirs = client(s.server.url, other.token);
    expect((await theirs.get('/settings/sso')).body.data.configured).toBe(false);
    expectError(await theirs.del('/settings/sso'), 404, 'NOT_FOUND');
    expect((await s.api.get('/settings/sso')).body.data.configured).toBe(true);
    // On this tenant's host, the other tenant's token is not a credential at all.
    const onHost = await raw(`${s.server.origin}/api/v1/settings/sso`, {
      headers: { host: `${s.tenant.slug}.localhost`, authorization: `Bearer ${other.token}` },
    });
    expect(onHost.status).toBe(401);
    // The public status of the other tenant says nothing of this one's provider.
    expect((await client(s.server.url).get(`/auth/sso?tenant=${other.slug}`)).body.data).toEqual({
      tenant: other.slug, enabled: false, name: null, passwords_allowed: true,
    });
    const mismatch = await raw(`${s.server.origin}/api/v1/auth/sso?tenant=${other.slug}`, { headers: { host: `${s.tenant.slug}.localhost` } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.details[0].field).toBe('tenant');
  });

  it('DELETE turns it off; then there is nothing to delete', async () => {
    expect((await s.api.del('/settings/sso')).status).toBe(204);
    expect((await s.api.get('/settings/sso')).body.data.configured).toBe(false);
    expectError(await s.api.del('/settings/sso'), 404, 'NOT_FOUND');
    const audit = await s.api.get('/audit-log?action=sso.settings_deleted');
    expect(audit.body.data).toHaveLength(1);
  });
});
