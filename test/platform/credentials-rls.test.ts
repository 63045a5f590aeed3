import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectError, factories, raw, setup, teardown, type Setup, type TestTenant } from '../helpers/index.js';
import { generateToken } from '../../src/server/lib/tokens.js';

let s: Setup;
let b: TestTenant;
const a: Record<string, string> = {};
beforeAll(async () => {
  s = await setup();
  b = await s.server.createTenant();
  const p = await s.make.project();
  a.project = p.id;
  a.finding = (await s.make.finding(p.id, { severity: 'High' })).id;
  const makeB = factories(client(s.server.url, b.token), s.server, b);
  const pb = await makeB.project();
  await makeB.finding(pb.id);
  await makeB.finding(pb.id);
});
afterAll(() => teardown(s));

const get = (headers: Record<string, string>, path = '/projects') => client(s.server.url).get(path, headers);

describe('presenting a credential', () => {
  it('accepts X-API-Key like a Bearer token, and both when they agree', async () => {
    expect((await get({ 'x-api-key': s.tenant.token })).status).toBe(200);
    expect((await get({ authorization: `Bearer ${s.tenant.token}` })).status).toBe(200);
    expect((await get({ authorization: `bearer ${s.tenant.token}` })).status).toBe(200);
    expect((await get({ authorization: `Bearer ${s.tenant.token}`, 'x-api-key': s.tenant.token })).status).toBe(200);
  });

  it('refuses two different credentials with 400', async () => {
    const res = await get({ authorization: `Bearer ${s.tenant.token}`, 'x-api-key': b.token });
    expectError(res, 400, 'VALIDATION_ERROR');
    const res2 = await get({ authorization: `Bearer ${s.tenant.token}`, 'x-api-key': 'garbage' });
    expectError(res2, 400, 'VALIDATION_ERROR');
  });

  it.each([
    ['no credential', {}],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['Basic auth', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ['a bare token without Bearer', { authorization: 'nf_live_abc' }],
  ])('answers %s with 401 UNAUTHORIZED', async (_name, headers) => {
    const res = await get(headers as Record<string, string>);
    expectError(res, 401, 'UNAUTHORIZED');
    expect(res.body.error.message).toBe('Invalid or missing authentication token');
  });

  it.each([
    ['the documents’ placeholder', 'nf_live_abc123...'],
    ['a bad checksum', `${s?.tenant?.token ?? generateToken()}`.slice(0, -1) + 'x'],
    ['a flipped character', 'nf_live_' + '0'.repeat(40) + '00000000'],
    ['a well-formed unknown token', generateToken()],
    ['an uppercase token', generateToken().toUpperCase()],
    ['a very long header', 'nf_live_' + 'a'.repeat(5000)],
  ])('answers %s with 401', async (_name, token) => {
    for (const headers of [{ authorization: `Bearer ${token}` }, { 'x-api-key': token }] as Record<string, string>[]) {
      const res = await get(headers);
      expect(res.status, res.text).toBe(401);
      expect(['UNAUTHORIZED', 'INVALID_TOKEN']).toContain(res.body.error.code);
      expect(res.body.error.message).toBe('Invalid or missing authentication token');
    }
  });

  it('answers a tampered version of a real token with 401', async () => {
    const t = s.tenant.token;
    const last = t.at(-1) === '0' ? '1' : '0';
    expect((await get({ authorization: `Bearer ${t.slice(0, -1)}${last}` })).status).toBe(401);
  });
});

describe('tenant hosts', () => {
  const at = (host: string, token: string, path = '/projects') =>
    raw(`${s.server.url}${path}`, { method: 'GET', headers: { host, authorization: `Bearer ${token}` } });

  it("serves a tenant's host with its own credential", async () => {
    const res = await at(`${s.tenant.slug}.localhost`, s.tenant.token);
    expect(res.status).toBe(200);
    expect((await at(`${s.tenant.slug}.localhost:8080`, s.tenant.token)).status).toBe(200);
    expect((await at(`${s.tenant.slug.toUpperCase()}.LOCALHOST`, s.tenant.token)).status).toBe(200);
  });

  it("refuses another tenant's credential on a tenant host with 401", async () => {
    const res = await at(`${s.tenant.slug}.localhost`, b.token);
    expect(res.status).toBe(401);
    expect(res.body.success).toBe(false);
    expect(res.body.error.message).toBe('Invalid or missing authentication token');
    expect((await at(`${s.tenant.slug}.localhost`, b.token, `/findings/${a.finding}`)).status).toBe(401);
    expect((await at('no-such-tenant.localhost', s.tenant.token)).status).toBe(401);
  });

  it('acts in the credential’s tenant on a host without a tenant part', async () => {
    for (const host of ['localhost', 'localhost:8080', '127.0.0.1']) {
      const res = await at(host, b.token, '/findings');
      expect(res.status).toBe(200);
      expect(res.body.meta.total).toBe(2);
    }
  });

  it('needs no credential for health on any host', async () => {
    const res = await raw(`${s.server.url}/health`, { method: 'GET', headers: { host: 'whoever.localhost' } });
    expect(res.status).toBe(200);
  });
});

describe('row-level security', () => {
  it('a query without a tenant filter sees only the bound tenant’s rows', async () => {
    const rows = await s.server.db.tenant(s.tenant.id, async (q) => (await q.query<{ tenant_id: string; id: string }>('SELECT * FROM findings')).rows);
    expect(rows.map((r) => r.id)).toEqual([a.finding]);
    const projects = await s.server.db.tenant(s.tenant.id, async (q) => (await q.query<{ tenant_id: string }>('SELECT tenant_id FROM projects')).rows);
    expect(new Set(projects.map((r) => r.tenant_id))).toEqual(new Set([s.tenant.id]));
    const bRows = await s.server.db.tenant(b.id, async (q) => (await q.query('SELECT * FROM findings')).rows);
    expect(bRows).toHaveLength(2);
    for (const table of ['clients', 'assets', 'finding_assets', 'finding_counts', 'users', 'api_tokens', 'service_accounts']) {
      const { rows: r } = await s.server.db.tenant(s.tenant.id, (q) => q.query<{ tenant_id: string }>(`SELECT tenant_id FROM ${table}`));
      expect(r.filter((x) => x.tenant_id !== s.tenant.id), table).toEqual([]);
    }
  });

  it('no tenant bound sees no tenant rows at all', async () => {
    const { rows } = await s.server.db.system((q) => q.query('SELECT * FROM findings'));
    expect(rows).toEqual([]);
  });

  it("refuses to insert or move a row into another tenant", async () => {
    await expect(
      s.server.db.tenantTx(s.tenant.id, (q) =>
        q.query("INSERT INTO projects (tenant_id, id, name) VALUES ($1, 'proj_sneaky', 'x')", [b.id]),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      s.server.db.tenantTx(s.tenant.id, (q) => q.query('UPDATE projects SET tenant_id = $1', [b.id])),
    ).rejects.toThrow(/row-level security/);
    const { rows } = await s.server.db.tenant(s.tenant.id, (q) => q.query('DELETE FROM findings WHERE tenant_id = $1 RETURNING id', [b.id]));
    expect(rows).toEqual([]);
    expect((await client(s.server.url, b.token).get('/findings')).body.meta.total).toBe(2);
  });

  it('runs tenant queries as a role that cannot bypass it', async () => {
    const { rows } = await s.server.db.tenant(s.tenant.id, (q) =>
      q.query<{ rolsuper: boolean; rolbypassrls: boolean; owner: boolean }>(
        `SELECT r.rolsuper, r.rolbypassrls,
                EXISTS (SELECT 1 FROM pg_tables t WHERE t.tableowner = current_user AND t.tablename = 'findings') AS owner
           FROM pg_roles r WHERE r.rolname = current_user`,
      ),
    );
    expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, owner: false });
    await expect(s.server.db.tenant(s.tenant.id, (q) => q.query('ALTER TABLE findings DISABLE ROW LEVEL SECURITY'))).rejects.toThrow();
  });

  it('forces it on every tenant table, and keeps the event log append-only', async () => {
    const { rows } = await s.server.db.system((q) =>
      q.query<{ relname: string }>(
        `SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
          WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace AND NOT (c.relrowsecurity AND c.relforcerowsecurity)`,
      ),
    );
    expect(rows.map((r) => r.relname)).toEqual([]);
    for (const sql of ['UPDATE events SET type = type', 'DELETE FROM events']) {
      await expect(s.server.db.tenant(s.tenant.id, (q) => q.query(sql)), sql).rejects.toThrow(/permission denied/);
    }
  });
});
