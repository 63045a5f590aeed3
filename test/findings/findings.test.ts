import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CVSS31_CRITICAL, CVSS31_MEDIUM, CVSS40_CRITICAL, CVSS40_MEDIUM, expectError, ISO_UTC, setup, teardown, type Setup } from '../helpers/index.js';

let s: Setup;
let projectId: string;
beforeAll(async () => {
  s = await setup();
  projectId = (await s.make.project()).id;
});
afterAll(() => teardown(s));

const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((x) => x.id);

describe('findings', () => {
  it('creates a finding with only project_id and title: Info, Open, no score', async () => {
    const res = await s.api.post('/findings', { project_id: projectId, title: 'SQL Injection' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      project_id: projectId, title: 'SQL Injection', severity: 'Info', status: 'Open', cvss_vector: null,
      cvss_score: null, description: null, impact: null, remediation: null, steps_to_reproduce: null,
      references: [], cwe: null, cve: [], asset_ids: [], tags: [],
    });
    expect(res.body.data.id).toMatch(/^find_[0-9a-z]{26}$/);
    expect(res.body.data.created_at).toMatch(ISO_UTC);
  });

  it.each([
    [CVSS31_CRITICAL, 9.8, 'Critical'],
    [CVSS31_MEDIUM, 6.1, 'Medium'],
    [CVSS40_CRITICAL, 9.3, 'Critical'],
    [CVSS40_MEDIUM, 6.9, 'Medium'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0, 'Info'],
  ])('computes the score and band of %s', async (vector, score, severity) => {
    const f = await s.make.finding(projectId, { cvss_vector: vector });
    expect(f).toMatchObject({ cvss_vector: vector, cvss_score: score, severity });
  });

  it('keeps an explicit severity next to a vector, and the score is never the client’s', async () => {
    const f = await s.make.finding(projectId, { cvss_vector: CVSS31_CRITICAL, severity: 'Low' });
    expect(f).toMatchObject({ severity: 'Low', cvss_score: 9.8 });
    expectError(
      await s.api.post('/findings', { project_id: projectId, title: 'x', cvss_vector: CVSS31_CRITICAL, cvss_score: 1.0 }),
      400, 'VALIDATION_ERROR', ['cvss_score'],
    );
    expectError(await s.api.put(`/findings/${f.id}`, { cvss_score: 1.0 }), 400, 'VALIDATION_ERROR', ['cvss_score']);
  });

  it.each([
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', // incomplete
    'CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', // bad value
    'CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P',
    'CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', // missing AT
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:Q',
    '',
    'not a vector',
  ])('refuses the vector %j with a field error', async (vector) => {
    expectError(await s.api.post('/findings', { project_id: projectId, title: 'x', cvss_vector: vector }), 400, 'VALIDATION_ERROR', ['cvss_vector']);
  });

  it('creates a finding with every field, reads, updates and deletes it', async () => {
    const { api, make } = s;
    const a1 = await make.asset(projectId);
    const a2 = await make.asset(projectId);
    const body = {
      project_id: projectId, title: 'XSS in Search', severity: 'Medium', status: 'Confirmed',
      description: 'Reflected XSS', impact: 'Session theft', remediation: 'Encode output', steps_to_reproduce: '1. …',
      references: ['https://owasp.org/www-community/attacks/xss/'], cwe: 'CWE-79', cve: ['CVE-2024-12345'],
      cvss_vector: CVSS31_MEDIUM, asset_ids: [a1.id, a2.id], tags: ['web'],
    };
    const created = await api.post('/findings', body);
    expect(created.status).toBe(201);
    const f = created.body.data;
    expect(f).toMatchObject({ ...body, asset_ids: [a1.id, a2.id].sort(), cvss_score: 6.1 });
    expect((await api.get(`/findings/${f.id}`)).body).toEqual({ success: true, data: f });

    // A new vector without a severity takes the vector's band; the score follows the vector.
    const upd = await api.put(`/findings/${f.id}`, { cvss_vector: CVSS40_CRITICAL, status: 'Remediated', asset_ids: [a2.id] });
    expect(upd.status).toBe(200);
    expect(upd.body.data).toMatchObject({ cvss_score: 9.3, severity: 'Critical', status: 'Remediated', asset_ids: [a2.id], title: 'XSS in Search' });
    // Clearing the vector comes with the severity the finding keeps (test/http/input-rules.test.ts).
    const cleared = await api.put(`/findings/${f.id}`, { cvss_vector: null, severity: 'Critical', cwe: null, asset_ids: [] });
    expect(cleared.body.data).toMatchObject({ cvss_vector: null, cvss_score: null, cwe: null, asset_ids: [], severity: 'Critical' });

    expect((await api.del(`/findings/${f.id}`)).status).toBe(204);
    expectError(await api.get(`/findings/${f.id}`), 404, 'NOT_FOUND');
    expectError(await api.put(`/findings/${f.id}`, { title: 'y' }), 404, 'NOT_FOUND');
    expectError(await api.del(`/findings/${f.id}`), 404, 'NOT_FOUND');
  });

  it('accepts assets of the same project only', async () => {
    const { api, make } = s;
    const other = await make.project();
    const foreign = await make.asset(other.id);
    const own = await make.asset(projectId);
    expectError(
      await api.post('/findings', { project_id: projectId, title: 'x', asset_ids: [own.id, foreign.id] }),
      400, 'VALIDATION_ERROR', ['asset_ids'],
    );
    expectError(await api.post('/findings', { project_id: projectId, title: 'x', asset_ids: ['asset_nope'] }), 400, 'VALIDATION_ERROR', ['asset_ids']);
    const f = await make.finding(projectId, { asset_ids: [own.id] });
    expectError(await api.put(`/findings/${f.id}`, { asset_ids: [foreign.id] }), 400, 'VALIDATION_ERROR', ['asset_ids']);
    expect((await api.get(`/findings/${f.id}`)).body.data.asset_ids).toEqual([own.id]);
    expectError(await api.post('/findings', { project_id: 'proj_missing', title: 'x' }), 400, 'VALIDATION_ERROR', ['project_id']);
  });

  it("lists a project's findings", async () => {
    const { api, make } = s;
    const p = await make.project();
    const f1 = await make.finding(p.id);
    const f2 = await make.finding(p.id);
    await make.finding(projectId);
    const res = await api.get(`/projects/${p.id}/findings`);
    expect(res.status).toBe(200);
    expect(ids(res).sort()).toEqual([f1.id, f2.id].sort());
    expect(res.body.meta).toEqual({ page: 1, limit: 50, total: 2, pages: 1 });
    expectError(await api.get('/projects/proj_nope/findings'), 404, 'NOT_FOUND');
  });
});

