import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectError, factories, setup, teardown, type Client, type Setup } from '../helpers/index.js';
import { SCOPES, type Scope } from '../../src/server/lib/scopes.js';

/**
 * Every core endpoint: another tenant's admin gets 404 for this tenant's objects (and never sees
 * them in a list); a token without the route's scope gets 403; no token gets 401.
 */
interface Route {
  op: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string; // with :project, :finding, :asset, :client, :user
  scope: Scope;
  body?: (ids: Record<string, string>) => Record<string, unknown>;
}

const ROUTES: Route[] = [
  { op: 'listProjects', method: 'GET', path: '/projects', scope: 'projects:read' },
  { op: 'getProject', method: 'GET', path: '/projects/:project', scope: 'projects:read' },
  { op: 'createProject', method: 'POST', path: '/projects', scope: 'projects:write', body: (i) => ({ name: 'x', client_id: i.client }) },
  { op: 'updateProject', method: 'PUT', path: '/projects/:project', scope: 'projects:write', body: () => ({ name: 'hacked' }) },
  { op: 'deleteProject', method: 'DELETE', path: '/projects/:project', scope: 'projects:write' },
  { op: 'listClientProjects', method: 'GET', path: '/clients/:client/projects', scope: 'projects:read' },
  { op: 'listFindings', method: 'GET', path: '/findings', scope: 'findings:read' },
  { op: 'listProjectFindings', method: 'GET', path: '/projects/:project/findings', scope: 'findings:read' },
  { op: 'listAssetFindings', method: 'GET', path: '/assets/:asset/findings', scope: 'findings:read' },
  { op: 'getFinding', method: 'GET', path: '/findings/:finding', scope: 'findings:read' },
  { op: 'createFinding', method: 'POST', path: '/findings', scope: 'findings:write', body: (i) => ({ project_id: i.project, title: 'x' }) },
  { op: 'updateFinding', method: 'PUT', path: '/findings/:finding', scope: 'findings:write', body: () => ({ title: 'hacked' }) },
  { op: 'deleteFinding', method: 'DELETE', path: '/findings/:finding', scope: 'findings:write' },
  { op: 'listAssets', method: 'GET', path: '/assets', scope: 'assets:read' },
  { op: 'listProjectAssets', method: 'GET', path: '/projects/:project/assets', scope: 'assets:read' },
  { op: 'getAsset', method: 'GET', path: '/assets/:asset', scope: 'assets:read' },
  { op: 'createAsset', method: 'POST', path: '/assets', scope: 'assets:write', body: (i) => ({ project_id: i.project, name: 'x', type: 'host' }) },
  { op: 'updateAsset', method: 'PUT', path: '/assets/:asset', scope: 'assets:write', body: () => ({ name: 'hacked' }) },
  { op: 'deleteAsset', method: 'DELETE', path: '/assets/:asset', scope: 'assets:write' },
  { op: 'listClients', method: 'GET', path: '/clients', scope: 'clients:read' },
  { op: 'getClient', method: 'GET', path: '/clients/:client', scope: 'clients:read' },
  { op: 'createClient', method: 'POST', path: '/clients', scope: 'clients:write', body: () => ({ name: 'x' }) },
  { op: 'updateClient', method: 'PUT', path: '/clients/:client', scope: 'clients:write', body: () => ({ name: 'hacked' }) },
  { op: 'deleteClient', method: 'DELETE', path: '/clients/:client', scope: 'clients:write' },
  { op: 'listUsers', method: 'GET', path: '/users', scope: 'users:read' },
  { op: 'getUser', method: 'GET', path: '/users/:user', scope: 'users:read' },
];

let s: Setup;
let other: Client;
const ids: Record<string, string> = {};
beforeAll(async () => {
  s = await setup();
  const c = await s.make.client();
  const p = await s.make.project({ client_id: c.id });
  const a = await s.make.asset(p.id);
  const f = await s.make.finding(p.id, { asset_ids: [a.id] });
  const u = await s.make.user();
  Object.assign(ids, { client: c.id, project: p.id, asset: a.id, finding: f.id, user: u.id });
  const t2 = await s.server.createTenant();
  other = client(s.server.url, t2.token);
  // The other tenant has objects of its own, so its lists are not trivially empty.
  const make2 = factories(other, s.server, t2);
  const p2 = await make2.project();
  await make2.finding(p2.id, { asset_ids: [(await make2.asset(p2.id)).id] });
  await make2.client();
  await make2.user();
});
afterAll(() => teardown(s));

const pathOf = (r: Route, i: Record<string, string> = ids) => r.path.replace(/:(\w+)/g, (_, k: string) => i[k]!);
const call = (api: Client, r: Route, i: Record<string, string> = ids) =>
  r.body ? api.request(r.method, pathOf(r, i), { body: JSON.stringify(r.body(i)), headers: { 'content-type': 'application/json' } })
    : api.request(r.method, pathOf(r, i));

describe('the route table', () => {
  it('covers every core operation of the OpenAPI document', async () => {
    const doc = (await client(s.server.url).get('/openapi.json')).body;
    const core = Object.entries<Record<string, { operationId: string }>>(doc.paths)
      .filter(([path]) => /^\/(projects|findings|assets|clients)(\/\{id\}(\/(projects|findings|assets))?)?$/.test(path))
      .flatMap(([, item]) => Object.values(item).map((op) => op.operationId));
    const mine = new Set(ROUTES.map((r) => r.op));
    expect(core.filter((op) => !mine.has(op))).toEqual([]);
    const all = new Set(Object.values<Record<string, { operationId: string }>>(doc.paths).flatMap((i) => Object.values(i).map((o) => o.operationId)));
    expect([...mine].filter((op) => !all.has(op))).toEqual([]);
  });
});

describe.each(ROUTES)('$method $path ($op)', (r) => {
  it('answers 401 without a credential and with a malformed one', async () => {
    const res = await call(client(s.server.url), r);
    expectError(res, 401, 'UNAUTHORIZED');
    expect(res.body.error.message).toBe('Invalid or missing authentication token');
    const bad = await call(client(s.server.url, 'nf_live_0000000000000000000000000000000000000000deadbeef'), r);
    expect(bad.status).toBe(401);
    expect(bad.body.error.message).toBe('Invalid or missing authentication token');
  });

  it(`answers 403 to a token without ${r.scope}`, async () => {
    const others = SCOPES.filter((x) => x !== r.scope && x !== 'admin');
    const token = await s.server.mintToken(s.tenant, others, 'admin');
    const res = await call(client(s.server.url, token), r);
    expectError(res, 403, 'FORBIDDEN');
    expect(res.body.error.message).toBe('Token does not have required scope');
  });

  it(`lets a token with exactly ${r.scope} through`, async () => {
    const token = await s.server.mintToken(s.tenant, [r.scope], 'admin');
    // Writes act on throwaway objects so the shared ones stay for the other tests.
    const i = { ...ids };
    if (r.method === 'PUT' || r.method === 'DELETE') {
      const p = await s.make.project();
      Object.assign(i, { project: p.id, asset: (await s.make.asset(p.id)).id, finding: (await s.make.finding(p.id)).id, client: (await s.make.client()).id });
    }
    const res = await call(client(s.server.url, token), r, i);
    expect(res.status, res.text).toBe({ GET: 200, POST: 201, PUT: 200, DELETE: 204 }[r.method]);
  });

  it("answers another tenant's admin as if the object did not exist", async () => {
    const res = await call(other, r);
    if (r.path.includes(':')) {
      expectError(res, 404, 'NOT_FOUND');
      const missing = await call(s.api, r, Object.fromEntries(Object.keys(ids).map((k) => [k, `${k}_nope`])));
      expect(res.body.error).toEqual({ ...missing.body.error, message: res.body.error.message });
    } else if (r.method === 'GET') {
      expect(res.status).toBe(200);
      const mine = new Set(Object.values(ids));
      expect(res.body.data.length).toBeGreaterThan(0);
      expect(res.body.data.filter((x: { id: string }) => mine.has(x.id))).toEqual([]);
      expect(res.body.meta.total).toBe(res.body.data.length);
    } else {
      // A body naming this tenant's project or client is refused like a made-up id.
      const parent = r.op === 'createClient' ? undefined : r.op === 'createProject' ? 'client_id' : 'project_id';
      if (parent) expectError(res, 400, 'VALIDATION_ERROR', [parent]);
      else expect(res.status).toBe(201);
    }
  });
});

describe('after all that', () => {
  it("left this tenant's objects untouched", async () => {
    expect((await s.api.get(`/projects/${ids.project}`)).body.data.name).not.toBe('hacked');
    expect((await s.api.get(`/findings/${ids.finding}`)).body.data.title).not.toBe('hacked');
    expect((await s.api.get(`/assets/${ids.asset}`)).body.data.name).not.toBe('hacked');
    expect((await s.api.get(`/clients/${ids.client}`)).body.data.name).not.toBe('hacked');
    expect((await s.api.get(`/assets/${ids.asset}/findings`)).body.meta.total).toBe(1);
  });

  it('a role below the scope gets PERMISSION_DENIED even with the scope on the token', async () => {
    const token = await s.server.mintToken(s.tenant, ['projects:write', 'projects:read'], 'viewer');
    const res = await client(s.server.url, token).post('/projects', { name: 'x' });
    expectError(res, 403, 'PERMISSION_DENIED');
    expect((await client(s.server.url, token).get('/projects')).status).toBe(200);
  });
});
