import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, setup, teardown, type Setup } from '../helpers/index.js';

/** Filters, sorts and pages of the projects, assets, clients and users lists. */
let s: Setup;
const o: Record<string, any> = {};
beforeAll(async () => {
  s = await setup();
  const { make } = s;
  o.c1 = await make.client({ name: 'Acme Corp', contact_email: 'sec@acme.example' });
  o.c2 = await make.client({ name: 'beta GmbH', contact_name: 'Bob 100%_sure' });
  o.c3 = await make.client({ name: 'Zeta' });
  o.p1 = await make.project({ name: 'Alpha web', client_id: o.c1.id, status: 'in_progress', tags: ['web'], start_date: '2024-03-01', end_date: '2024-03-31' });
  o.p2 = await make.project({ name: 'beta mobile', client_id: o.c1.id, status: 'completed', tags: ['mobile', 'web'], start_date: '2024-01-01', description: 'iOS and Android' });
  o.p3 = await make.project({ name: 'Gamma infra', client_id: o.c2.id, tags: ['infra'] });
  o.p4 = await make.project({ name: 'delta archive', status: 'archived' });
  o.a1 = await make.asset(o.p1.id, { name: 'www.acme.example', type: 'domain', tags: ['prod'] });
  o.a2 = await make.asset(o.p1.id, { name: '10.0.0.1', type: 'ip', description: 'Gateway', tags: ['prod', 'internal'] });
  o.a3 = await make.asset(o.p2.id, { name: 'Acme App', type: 'application' });
  o.u1 = await make.user({ email: 'ada@acme.example', name: 'Ada', role: 'admin' });
  o.u2 = await make.user({ email: 'bob@acme.example', name: 'bob', role: 'tester' });
  o.u3 = await make.user({ email: 'cy@other.example', name: 'Cy', role: 'viewer', active: false });
});
afterAll(() => teardown(s));

const key = (id: string) => Object.keys(o).find((k) => o[k].id === id) ?? id;

async function list(path: string) {
  const res = await s.api.get(path);
  expect(res.status, res.text).toBe(200);
  expect(res.body.meta.total, `${path}: ${res.text}`).toBe(res.body.data.length);
  return res.body.data.map((x: { id: string }) => key(x.id));
}

describe.each([
  ['/projects', [
    ['status=in_progress', ['p1']], ['status=completed,archived', ['p2', 'p4']], ['client_id=C1', ['p1', 'p2']],
    ['tag=web', ['p1', 'p2']], ['tag=web,mobile', ['p2']], ['search=BETA', ['p2']], ['search=android', ['p2']],
    ['created_after=2000-01-01', ['p1', 'p2', 'p3', 'p4']], ['created_before=2000-01-01', []],
    ['status=planned&client_id=C2', ['p3']],
  ]],
  ['/assets', [
    ['type=ip', ['a2']], ['type=ip,domain', ['a1', 'a2']], ['project_id=P1', ['a1', 'a2']], ['tag=prod', ['a1', 'a2']],
    ['tag=prod,internal', ['a2']], ['search=acme', ['a1', 'a3']], ['search=gateway', ['a2']],
    ['created_after=2999-01-01', []],
  ]],
  ['/clients', [
    ['search=acme', ['c1']], ['search=sec@acme', ['c1']], ['search=100%25_', ['c2']], ['search=%25', ['c2']], ['search=_', ['c2']],
    ['created_before=2999-01-01', ['c1', 'c2', 'c3']],
  ]],
  ['/users', [
    ['role=tester', ['u2']], ['role=admin,viewer', ['u1', 'u3']], ['active=true', ['u1', 'u2']], ['active=false', ['u3']],
    ['search=acme.example', ['u1', 'u2']], ['search=CY', ['u3']],
  ]],
] as [string, [string, string[]][]][])('%s filters', (path, cases) => {
  it.each(cases)('%s', async (query, expected) => {
    const q = query.replace('C1', o.c1.id).replace('C2', o.c2.id).replace('P1', o.p1.id);
    expect((await list(`${path}?${q}`)).sort()).toEqual([...expected].sort());
  });
});

describe('sorts', () => {
  it.each([
    ['/projects?sort=name&order=asc', ['p1', 'p2', 'p4', 'p3']],
    ['/projects?sort=status&order=asc', ['p3', 'p1', 'p2', 'p4']],
    ['/projects?sort=start_date&order=asc', ['p3|p4', 'p3|p4', 'p2', 'p1']],
    ['/projects?sort=start_date&order=desc', ['p1', 'p2', 'p3|p4', 'p3|p4']],
    ['/projects?sort=end_date&order=desc', ['p1', '*', '*', '*']],
    ['/projects?sort=created_at&order=asc', ['p1', 'p2', 'p3', 'p4']],
    ['/projects', ['p4', 'p3', 'p2', 'p1']],
    ['/assets?sort=name&order=asc', ['a2', 'a3', 'a1']],
    ['/assets?sort=type&order=asc', ['a3', 'a1', 'a2']],
    ['/clients?sort=name&order=asc', ['c1', 'c2', 'c3']],
    ['/clients?sort=name&order=desc', ['c3', 'c2', 'c1']],
    ['/users?sort=email&order=asc', ['u1', 'u2', 'u3']],
    ['/users?sort=name&order=desc', ['u3', 'u2', 'u1']],
  ])('%s', async (path, expected) => {
    const got = await list(path);
    expect(got).toHaveLength(expected.length);
    got.forEach((name: string, i: number) => {
      if (expected[i] !== '*') expect(expected[i]!.split('|'), `${path}: ${got.join(',')}`).toContain(name);
    });
  });
});

describe('bad list parameters', () => {
  it.each([
    ['/projects', 'status=active', 'status'], ['/projects', 'sort=severity', 'sort'], ['/projects', 'created_after=x', 'created_after'],
    ['/projects', 'limit=101', 'limit'], ['/projects', 'page=0', 'page'], ['/projects', 'order=sideways', 'order'], ['/projects', 'severity=High', 'severity'],
    ['/assets', 'type=server', 'type'], ['/assets', 'sort=title', 'sort'], ['/assets', 'created_before=2024-99-99', 'created_before'],
    ['/clients', 'limit=abc', 'limit'], ['/clients', 'sort=status', 'sort'], ['/clients', 'status=x', 'status'],
    ['/users', 'role=root', 'role'], ['/users', 'active=maybe', 'active'], ['/users', 'sort=password', 'sort'], ['/users', 'limit=-1', 'limit'],
  ])('%s?%s → 400', async (path, query, field) => {
    expectError(await s.api.get(`${path}?${query}`), 400, 'VALIDATION_ERROR', [field]);
  });

  it('pages every list the same way', async () => {
    for (const [path, total] of [['/projects', 4], ['/assets', 3], ['/clients', 3], ['/users', 3]] as const) {
      const first = await s.api.get(`${path}?limit=1`);
      expect(first.body.meta, path).toEqual({ page: 1, limit: 1, total, pages: total });
      const beyond = await s.api.get(`${path}?limit=100&page=2`);
      expect(beyond.body, path).toEqual({ success: true, data: [], meta: { page: 2, limit: 100, total, pages: 1 } });
    }
  });
});
