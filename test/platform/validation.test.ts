import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, setup, teardown, type Setup } from '../helpers/index.js';

/**
 * Every field of every create and update body, with values of the wrong type, too long, outside
 * the enum, of a bad format, unknown or read-only: each a 400 VALIDATION_ERROR naming the field.
 */
let s: Setup;
let projectId: string;
const existing: Record<string, string> = {};
beforeAll(async () => {
  s = await setup();
  projectId = (await s.make.project()).id;
  existing.clients = (await s.make.client()).id;
  existing.projects = (await s.make.project()).id;
  existing.findings = (await s.make.finding(projectId)).id;
  existing.assets = (await s.make.asset(projectId)).id;
});
afterAll(() => teardown(s));

type Case = [field: string, value: unknown];
const long = (n: number) => 'x'.repeat(n);
const READ_ONLY: Case[] = [
  ['id', 'x_1'], ['tenant_id', 'ten_1'], ['created_at', '2024-01-01T00:00:00Z'], ['updated_at', '2024-01-01T00:00:00Z'], ['unknown_field', 1],
];
const TAGS: Case[] = [
  ['tags', 'web'], ['tags', [1]], ['tags', ['']], ['tags', [long(65)]], ['tags', ['a', 'a']],
  ['tags', Array.from({ length: 51 }, (_, i) => `t${i}`)],
];
const text = (field: string, max: number, nullable = true): Case[] => [
  [field, 42], [field, long(max + 1)], [field, { a: 1 }], [field, ['x']], ...(nullable ? [] : ([[field, null], [field, '']] as Case[])),
];

const CASES: Record<string, { base: () => Record<string, unknown>; fields: Case[]; createOnly?: Case[] }> = {
  clients: {
    base: () => ({ name: 'Acme' }),
    fields: [
      ...text('name', 200, false), ...text('contact_name', 200), ...text('notes', 20000),
      ['contact_email', 'not-an-email'], ['contact_email', 5], ['contact_email', `${long(320)}@example.com`],
      ['website', 'not a url'], ['website', 'javascript:alert(1)'], ['website', `https://example.com/${long(2000)}`], ['website', true],
      ['project_count', 3], ...READ_ONLY,
    ],
  },
  projects: {
    base: () => ({ name: 'P' }),
    fields: [
      ...text('name', 200, false), ...text('description', 50000), ...text('scope', 50000),
      ['client_id', 5], ['client_id', ''], ['client_id', long(65)],
      ['status', 'active'], ['status', 'Planned'], ['status', null], ['status', 1],
      ['start_date', '2024-13-01'], ['start_date', 'yesterday'], ['start_date', '2024-01-15T10:00:00Z'], ['start_date', 20240115],
      ['end_date', '2024-02-30'], ['end_date', '15/01/2024'],
      ['finding_count', 1], ...TAGS, ...READ_ONLY,
    ],
  },
  findings: {
    base: () => ({ project_id: projectId, title: 'T' }),
    fields: [
      ...text('title', 500, false),
      ...['description', 'impact', 'remediation', 'steps_to_reproduce'].flatMap((f) => text(f, 100_000)),
      ['severity', 'critical'], ['severity', 'Severe'], ['severity', null], ['severity', 3],
      ['status', 'open'], ['status', 'Closed'], ['status', null],
      ['references', 'https://x.example'], ['references', ['not a url']], ['references', ['javascript:alert(1)']], ['references', [1]],
      ['references', Array.from({ length: 101 }, (_, i) => `https://x.example/${i}`)],
      ['cwe', '89'], ['cwe', 'CWE-'], ['cwe', 'cwe-89'], ['cwe', 89],
      ['cve', 'CVE-2024-1234'], ['cve', ['CVE-24-1']], ['cve', ['CVE-2024-1234', 'CVE-2024-1234']], ['cve', [1]],
      ['cvss_vector', 9.8], ['cvss_vector', 'CVSS:3.1/AV:N'], ['cvss_vector', long(301)],
      ['asset_ids', 'asset_1'], ['asset_ids', [1]], ['asset_ids', ['a', 'a']], ['asset_ids', ['']],
      ['cvss_score', 9.8], ...TAGS, ...READ_ONLY,
    ],
    createOnly: [['project_id', 5], ['project_id', ''], ['project_id', long(65)], ['project_id', null]],
  },
  assets: {
    base: () => ({ project_id: projectId, name: 'host', type: 'host' }),
    fields: [
      ...text('name', 500, false), ...text('description', 50000),
      ['type', 'server'], ['type', 'Host'], ['type', null], ['type', 1],
      ['finding_count', 0], ...TAGS, ...READ_ONLY,
    ],
    createOnly: [['project_id', 5], ['project_id', ''], ['project_id', null]],
  },
};

describe.each(Object.keys(CASES))('%s bodies', (resource) => {
  const { base, fields, createOnly = [] } = CASES[resource]!;

  it.each([...fields, ...createOnly].map(([f, v]) => [f, JSON.stringify(v).slice(0, 60), v] as const))(
    'POST refuses %s = %s',
    async (field, _shown, value) => {
      const res = await s.api.post(`/${resource}`, { ...base(), [field]: value });
      expectError(res, 400, 'VALIDATION_ERROR', [field]);
    },
  );

  it.each(fields.map(([f, v]) => [f, JSON.stringify(v).slice(0, 60), v] as const))(
    'PUT refuses %s = %s',
    async (field, _shown, value) => {
      const res = await s.api.put(`/${resource}/${existing[resource]}`, { [field]: value });
      expectError(res, 400, 'VALIDATION_ERROR', [field]);
    },
  );

  it('lists every bad field at once, and each missing required field', async () => {
    const bad = Object.fromEntries(fields.filter(([f]) => !['id', 'tenant_id'].includes(f)).map(([f, v]) => [f, v]));
    const res = await s.api.post(`/${resource}`, bad);
    const expected = [...new Set(Object.keys(bad))];
    expectError(res, 400, 'VALIDATION_ERROR', expected);
    const required = Object.keys(base());
    expectError(await s.api.post(`/${resource}`, {}), 400, 'VALIDATION_ERROR', required);
    const messages = res.body.error.details.map((d: { message: string }) => d.message);
    expect(messages.every((m: string) => m.length > 0)).toBe(true);
  });

  it('names read-only fields as read-only', async () => {
    const res = await s.api.post(`/${resource}`, { ...base(), id: 'x', created_at: 'now' });
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([{ field: 'id', message: 'is read-only' }, { field: 'created_at', message: 'is read-only' }]),
    );
  });

  it('refuses an empty update and changing the project', async () => {
    expectError(await s.api.put(`/${resource}/${existing[resource]}`, {}), 400, 'VALIDATION_ERROR');
    if (createOnly.length > 0) {
      expectError(await s.api.put(`/${resource}/${existing[resource]}`, { project_id: projectId }), 400, 'VALIDATION_ERROR', ['project_id']);
    }
  });
});

describe('nothing invalid was stored', () => {
  it('left the objects as they were', async () => {
    const findings = await s.api.get('/findings');
    expect(findings.body.meta.total).toBe(1);
    const assets = await s.api.get('/assets');
    expect(assets.body.meta.total).toBe(1);
    const clients = await s.api.get('/clients');
    expect(clients.body.meta.total).toBe(1);
    expect((await s.api.get(`/findings/${existing.findings}`)).body.data.severity).toBe('Info');
  });
});
