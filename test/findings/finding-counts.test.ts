import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CVSS31_CRITICAL, CVSS31_MEDIUM, setup, teardown, type Setup } from '../helpers/index.js';

/**
 * meta.total of the findings list comes from the finding_counts table for project/severity/status
 * filters. After every kind of change it must equal a plain count(*) over the findings.
 */
let s: Setup;
const projects: string[] = [];
beforeAll(async () => {
  s = await setup();
  for (let i = 0; i < 3; i++) projects.push((await s.make.project()).id);
});
afterAll(() => teardown(s));

const SEVERITIES = [undefined, 'High', 'High,Critical', 'Info', 'Medium,Low,Info'];
const STATUSES = [undefined, 'Open', 'Open,Confirmed', 'False Positive', 'Remediated,Verified,Accepted Risk'];

async function truth(project?: string, severity?: string, status?: string): Promise<number> {
  const where = ['tenant_id = $1'];
  const params: unknown[] = [s.tenant.id];
  if (project) where.push(`project_id = $${params.push(project)}`);
  if (severity) where.push(`severity = ANY($${params.push(severity.split(','))})`);
  if (status) where.push(`status = ANY($${params.push(status.split(','))})`);
  const { rows } = await s.server.db.tenant(s.tenant.id, (q) =>
    q.query<{ n: number }>(`SELECT count(*)::int AS n FROM findings WHERE ${where.join(' AND ')}`, params),
  );
  return rows[0]!.n;
}

/** Compares meta.total with count(*) for every combination of the countable filters. */
async function expectExactTotals(stage: string, extraProjects: string[] = []) {
  const mismatches: string[] = [];
  for (const project of [undefined, ...projects, ...extraProjects]) {
    for (const severity of SEVERITIES) {
      for (const status of STATUSES) {
        const qs = new URLSearchParams({ limit: '1' });
        if (project) qs.set('project_id', project);
        if (severity) qs.set('severity', severity);
        if (status) qs.set('status', status);
        const res = await s.api.get(`/findings?${qs}`);
        const want = await truth(project, severity, status);
        if (res.status !== 200 || res.body.meta.total !== want) mismatches.push(`${qs}: got ${res.body.meta?.total} want ${want}`);
        if (project && !severity && !status && !extraProjects.includes(project)) {
          const nested = await s.api.get(`/projects/${project}/findings?limit=1`);
          if (nested.body.meta.total !== want) mismatches.push(`/projects/${project}/findings: got ${nested.body.meta.total} want ${want}`);
          const p = await s.api.get(`/projects/${project}`);
          if (p.body.data.finding_count !== want) mismatches.push(`finding_count of ${project}: got ${p.body.data.finding_count} want ${want}`);
        }
      }
    }
  }
  expect(mismatches, stage).toEqual([]);
  const { rows } = await s.server.db.tenant(s.tenant.id, (q) =>
    q.query('SELECT project_id, severity, status FROM finding_counts GROUP BY 1, 2, 3 HAVING sum(n) < 0'),
  );
  expect(rows, `${stage}: negative counters`).toEqual([]);
}

const ids: string[] = [];

describe('finding_counts stays exact', () => {
  it('after creates', async () => {
    const sev = ['Critical', 'High', 'Medium', 'Low', 'Info'];
    const st = ['Open', 'Confirmed', 'Remediated', 'Verified', 'Accepted Risk', 'False Positive'];
    for (let i = 0; i < 24; i++) {
      const f = await s.make.finding(projects[i % 3]!, { severity: sev[i % 5], status: st[i % 6] });
      ids.push(f.id);
    }
    ids.push((await s.make.finding(projects[0]!)).id); // Info, Open by default
    ids.push((await s.make.finding(projects[1]!, { cvss_vector: CVSS31_CRITICAL })).id);
    await expectExactTotals('after creates');
  });

  it('after a failed create (rolled back)', async () => {
    const bad = await s.api.post('/findings', { project_id: projects[0], title: 'x', severity: 'High', asset_ids: ['asset_nope'] });
    expect(bad.status).toBe(400);
    const missing = await s.api.post('/findings', { project_id: 'proj_nope', title: 'x', severity: 'High' });
    expect(missing.status).toBe(400);
    await expectExactTotals('after failed creates');
  });

  it('after severity and status changes, a vector change, and no-op updates', async () => {
    const { api } = s;
    for (const [i, id] of ids.slice(0, 10).entries()) {
      expect((await api.put(`/findings/${id}`, { severity: i % 2 ? 'High' : 'Critical' })).status).toBe(200);
    }
    for (const id of ids.slice(5, 15)) {
      for (const status of ['Confirmed', 'Remediated', 'Verified', 'Open']) {
        expect((await api.put(`/findings/${id}`, { status })).status).toBe(200);
      }
    }
    await api.put(`/findings/${ids[15]}`, { cvss_vector: CVSS31_MEDIUM });
    await api.put(`/findings/${ids[16]}`, { title: 'renamed only' });
    await api.put(`/findings/${ids[17]}`, { severity: 'Low', status: 'False Positive' });
    await api.put(`/findings/${ids[17]}`, { severity: 'Low', status: 'False Positive' });
    await expectExactTotals('after updates');
  });

  it('after many concurrent updates of the same findings', async () => {
    const statuses = ['Open', 'Confirmed', 'Remediated', 'Verified', 'Accepted Risk', 'False Positive'];
    const work = [];
    for (let round = 0; round < 4; round++) {
      for (const [i, id] of ids.slice(0, 12).entries()) {
        work.push(s.api.put(`/findings/${id}`, { status: statuses[(i + round) % 6], severity: round % 2 ? 'Medium' : 'High' }));
      }
    }
    const results = await Promise.all(work);
    expect(results.map((r) => r.status).filter((c) => c !== 200)).toEqual([]);
    await expectExactTotals('after concurrent updates');
  });

  it('after deleting findings, concurrently too', async () => {
    expect((await s.api.del(`/findings/${ids[0]}`)).status).toBe(204);
    expect((await s.api.del(`/findings/${ids[0]}`)).status).toBe(404);
    const results = await Promise.all(ids.slice(1, 6).map((id) => s.api.del(`/findings/${id}`)));
    expect(results.map((r) => r.status)).toEqual([204, 204, 204, 204, 204]);
    await expectExactTotals('after deletes');
  });

  it('after deleting a project (its findings go with it) and creating into a new one', async () => {
    const gone = projects.pop()!;
    expect((await s.api.del(`/projects/${gone}`)).status).toBe(204);
    await expectExactTotals('after project delete', [gone]);
    const fresh = (await s.make.project()).id;
    projects.push(fresh);
    await Promise.all(['High', 'High', 'Critical', 'Info'].map((severity) => s.make.finding(fresh, { severity })));
    await expectExactTotals('after creating into a new project', [gone]);
    const { rows } = await s.server.db.tenant(s.tenant.id, (q) =>
      q.query('SELECT count(*)::int AS n FROM finding_counts WHERE tenant_id = $1 AND project_id = $2', [s.tenant.id, gone]),
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('with a second tenant writing at the same time', async () => {
    const other = await s.server.createTenant();
    const { client } = await import('../helpers/http.js');
    const api2 = client(s.server.url, other.token);
    const p = (await api2.post('/projects', { name: 'other' })).body.data.id;
    await Promise.all([
      ...Array.from({ length: 5 }, () => api2.post('/findings', { project_id: p, title: 'theirs', severity: 'High' })),
      ...Array.from({ length: 5 }, () => s.api.post('/findings', { project_id: projects[0], title: 'ours', severity: 'High' })),
    ]);
    expect((await api2.get('/findings?severity=High')).body.meta.total).toBe(5);
    await expectExactTotals('with another tenant');
  });
});
