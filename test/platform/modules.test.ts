import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, type TestTenant, client } from '../helpers/index.js';
import { modules } from '../../src/server/modules/index.js';
import { buildRegistry, checkCachedTables } from '../../src/server/registry.js';
import { FINDING_STATUSES, SEVERITIES, severityRank } from '../../src/server/lib/severity.js';
import { PROJECT_STATUSES } from '../../src/server/modules/projects/schemas.js';
import { ASSET_TYPES } from '../../src/server/modules/assets/schemas.js';
import { ROLES } from '../../src/server/lib/scopes.js';

/**
 * The modules describe themselves (src/server/types.ts Module): these tests hold the declarations
 * to what the code and the database really do.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const registry = buildRegistry(modules);

function sourceFiles(dir: string, ext: RegExp): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => ext.test(f)).map((f) => path.join(dir, f));
}

describe('module declarations', () => {
  it('declare every id prefix the code and the migrations make, each once, and the README lists them', () => {
    const used = new Set<string>();
    for (const file of sourceFiles(path.join(ROOT, 'src'), /\.(ts|sql)$/)) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bnew_?[iI]d\('([a-z]+)'\)/g)) used.add(m[1]!);
      for (const m of text.matchAll(/'([a-z]+)_' \|\|/g)) used.add(m[1]!); // ids made in SQL: 'dlv_' || …
    }
    const declared = [...registry.idPrefixes.keys()];
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((p) => !registry.idPrefixes.has(p)), 'prefixes used but declared by no module').toEqual([]);
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(declared.filter((p) => !readme.includes(`\`${p}_\``)), 'prefixes missing from the README').toEqual([]);
  });

  it('refuse two modules claiming one id prefix or event type', () => {
    const a = { name: 'a', ids: { zz: 'a thing' }, register() {} };
    expect(() => buildRegistry([a, { ...a, name: 'b' }])).toThrow(/id prefix "zz"/);
    const e = { name: 'c', events: [{ type: 'x.created', description: 'x' }], register() {} };
    expect(() => buildRegistry([e, { ...e, name: 'd' }])).toThrow(/event type "x.created"/);
  });

  it('give the catalog only declared events, and every object its created/updated/deleted events', () => {
    const types = registry.events.map((e) => e.type);
    for (const o of registry.objects) {
      for (const kind of ['created', 'updated', 'deleted']) expect(types).toContain(`${o.type}.${kind}`);
    }
    expect(registry.subscribableEvents).not.toContain('webhook.test');
    expect(types).toContain('webhook.test');
  });
});

describe('database and declarations', () => {
  let server: TestServer;
  let tenant: TestTenant;
  const statements: string[] = [];

  beforeAll(async () => {
    server = await startServer({ onStatement: (sql) => statements.push(sql) });
    tenant = await server.createTenant();
  });
  afterAll(async () => {
    const failures = server?.logs.filter((l) => /"level":50|"statusCode":5\d\d/.test(l)) ?? [];
    await server?.close();
    expect(failures, 'server errors (500s) in the log').toEqual([]);
  });

  /** The values of a CHECK (col IN (…)) constraint, as PostgreSQL prints it back. */
  async function checkValues(table: string, column: string): Promise<string[]> {
    const { rows } = await server.db.system((q) =>
      q.query<{ def: string }>(
        `SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
          WHERE c.conrelid = $1::regclass AND c.contype = 'c' AND pg_get_constraintdef(c.oid) LIKE $2`,
        [table, `%(${column} = ANY%`],
      ),
    );
    expect(rows, `one CHECK on ${table}.${column}`).toHaveLength(1);
    return [...rows[0]!.def.matchAll(/'((?:[^']|'')*)'::text/g)].map((m) => m[1]!.replace(/''/g, "'"));
  }

  it('has CHECK constraints that match the TypeScript lists, in order', async () => {
    expect(await checkValues('findings', 'severity')).toEqual([...SEVERITIES]);
    expect(await checkValues('findings', 'status')).toEqual([...FINDING_STATUSES]);
    expect(await checkValues('projects', 'status')).toEqual([...PROJECT_STATUSES]);
    expect(await checkValues('assets', 'type')).toEqual([...ASSET_TYPES]);
    expect(await checkValues('users', 'role')).toEqual([...ROLES]);
    expect(await checkValues('service_accounts', 'role')).toEqual([...ROLES]);
  });

  it('ranks severities in the database as severityRank does', async () => {
    const api = client(server.url, tenant.token);
    const project = (await api.post('/projects', { name: 'Ranks' })).body.data;
    for (const severity of SEVERITIES) expect((await api.post('/findings', { project_id: project.id, title: severity, severity })).status).toBe(201);
    const { rows } = await server.db.tenant(tenant.id, (q) =>
      q.query<{ severity: string; severity_rank: number }>('SELECT severity, severity_rank FROM findings WHERE tenant_id = $1 AND project_id = $2', [tenant.id, project.id]),
    );
    expect(Object.fromEntries(rows.map((r) => [r.severity, Number(r.severity_rank)]))).toEqual(
      Object.fromEntries(SEVERITIES.map((s) => [s, severityRank(s)])),
    );
  });

  it('refuses to start when a declared cached table has no data-version trigger', async () => {
    await expect(checkCachedTables(server.db, registry.cachedTables)).resolves.toBeUndefined();
    await expect(checkCachedTables(server.db, ['users'])).rejects.toThrow(/users has no data_version trigger/);
    await expect(checkCachedTables(server.db, [{ table: 'finding_counts', maintainedBy: 'users' }])).rejects.toThrow(/users/);
    await expect(checkCachedTables(server.db, [{ table: 'users', maintainedBy: 'findings' }])).rejects.toThrow(/no trigger of findings writes users/);
  });

  it('renders every cached route only from tables some module declares in cachedTables', async () => {
    const api = client(server.url, tenant.token);
    const c = (await api.post('/clients', { name: 'Cached' })).body.data;
    const p = (await api.post('/projects', { name: 'Cached', client_id: c.id })).body.data;
    const a = (await api.post('/assets', { project_id: p.id, name: 'cached.example.com', type: 'host' })).body.data;
    const f = (await api.post('/findings', { project_id: p.id, title: 'Cached', asset_ids: [a.id] })).body.data;
    const ids: Record<string, string> = { clients: c.id, projects: p.id, assets: a.id, findings: f.id };
    const { rows } = await server.db.system((q) => q.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"));
    const tables = new Set(rows.map((r) => r.name));
    const declared = new Set(registry.cachedTables.map((t) => (typeof t === 'string' ? t : t.table)));

    const cached = server.app.routeAccess.filter((r) => r.method === 'GET' && r.cached);
    expect(cached.length).toBeGreaterThanOrEqual(12);
    await api.get('/user'); // the credential is verified and cached before the statements are watched
    for (const route of cached) {
      const url = route.url.replace(/^\/api\/v1/, '').replace(/\/(\w+)\/:id/, (_m, collection: string) => `/${collection}/${ids[collection]}`);
      const isList = !/\/:id$/.test(route.url);
      statements.length = 0;
      const res = await api.get(isList ? `${url}?limit=7` : url);
      expect(res.status, `${route.url}: ${res.text}`).toBe(200);
      const read = new Set<string>();
      for (const sql of statements) {
        for (const m of sql.matchAll(/\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)/gi)) if (tables.has(m[1]!)) read.add(m[1]!);
      }
      read.delete('data_versions'); // the cache's own probe
      expect([...read].filter((t) => !declared.has(t)), `${route.url} reads tables no module declares as cached`).toEqual([]);
      expect(read.size, `${route.url} read no table at all`).toBeGreaterThan(0);
    }
  });
});
