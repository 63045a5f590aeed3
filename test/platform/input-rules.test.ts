import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CVSS31_CRITICAL, expectError, setup, type Setup, teardown } from '../helpers/index.js';

/** One rule per kind of bad input, the same on every write. */
let s: Setup;
let projectId: string;
let saId: string;
const existing: Record<string, string> = {};
beforeAll(async () => {
  s = await setup();
  projectId = (await s.make.project()).id;
  existing.clients = (await s.make.client()).id;
  existing.projects = (await s.make.project()).id;
  existing.findings = (await s.make.finding(projectId)).id;
  existing.assets = (await s.make.asset(projectId)).id;
  existing.webhooks = (await s.api.post('/webhooks', { url: 'http://93.184.215.14/hook', events: ['*'] })).body.data.id;
  existing.users = (await s.server.createUser(s.tenant, { role: 'viewer' })).id;
  saId = (await s.api.post('/service-accounts', { name: 'CI', role: 'tester' })).body.data.id;
  existing['service-accounts'] = saId;
});
afterAll(() => teardown(s));

/** The resources with an object made in beforeAll (`existing`). */
const UPDATABLE = ['clients', 'projects', 'findings', 'assets', 'webhooks', 'users', 'service-accounts'];

let seq = 0;
/** A valid create body of each resource, with `over` on top. */
const CREATE: Record<string, (over: Record<string, unknown>) => Record<string, unknown>> = {
  clients: (o) => ({ name: 'Acme', ...o }),
  projects: (o) => ({ name: 'P', ...o }),
  findings: (o) => ({ project_id: projectId, title: 'T', ...o }),
  assets: (o) => ({ project_id: projectId, name: 'host', type: 'host', ...o }),
  webhooks: (o) => ({ url: 'http://93.184.215.14/hook', events: ['*'], ...o }),
  users: (o) => ({ email: `rule-${++seq}@example.com`, name: 'U', role: 'viewer', ...o }),
  'service-accounts': (o) => ({ name: 'SA', role: 'viewer', ...o }),
  'api-keys': (o) => ({ service_account_id: saId, name: 'key', ...o }),
};

describe('lone surrogates: a 400 naming the field, on every write', () => {
  const CASES: [string, string, Record<string, unknown>, string][] = [
    ['POST', 'findings', { title: 'x\udfffy' }, 'title'],
    ['POST', 'findings', { tags: ['ok', 'bad\ud800'] }, 'tags[1]'],
    ['POST', 'findings', { description: '\udc00 at the start' }, 'description'],
    ['POST', 'projects', { name: 'x\udfffy' }, 'name'],
    ['POST', 'clients', { name: 'Acme', notes: 'high \ud83d alone' }, 'notes'],
    ['POST', 'assets', { name: 'host\udfff' }, 'name'],
    ['POST', 'webhooks', { description: 'x\udfff' }, 'description'],
    ['POST', 'users', { name: 'Ana \ud800' }, 'name'],
    ['POST', 'service-accounts', { name: 'x\udfff' }, 'name'],
    ['POST', 'api-keys', { name: 'x\udfff' }, 'name'],
    ['POST', 'clients', { name: 'Acme', ['n\udfff']: 1 }, 'n\udfff'],
  ];
  it.each(CASES)('%s /%s %j', async (method, resource, fields, field) => {
    const body = CREATE[resource]!(fields);
    const res = method === 'POST' ? await s.api.post(`/${resource}`, body) : await s.api.put(`/${resource}`, body);
    expectError(res, 400, 'VALIDATION_ERROR', [field]);
    expect(res.body.error.details[0]).toEqual({ field, message: expect.stringMatching(/Unicode/) });
  });

  it.each(UPDATABLE)('PUT /%s', async (resource) => {
    const field = resource === 'webhooks' ? 'description' : resource === 'findings' ? 'title' : 'name';
    const res = await s.api.put(`/${resource}/${existing[resource]}`, { [field]: 'x\udfffy' });
    expectError(res, 400, 'VALIDATION_ERROR', [field]);
  });

  it('a surrogate pair (an emoji) is fine, and so is the text as sent', async () => {
    const res = await s.api.post('/projects', { name: 'Launch \ud83d\ude80' });
    expect(res.status).toBe(201);
    expect(res.body.data.name).toBe('Launch 🚀');
  });

  it('a query string cannot carry one (bad UTF-8 stays as sent)', async () => {
    const res = await s.api.get('/findings?search=%ED%A0%80');
    expect(res.status).toBe(200);
  });
});

describe('__proto__ and constructor keys', () => {
  it.each([
    ['{"__proto__": {"x": 1}, "name": "p"}', '__proto__'],
    ['{"name": "p", "tags": ["a"], "scope": "s", "x": {"__proto__": null}}', 'x.__proto__'],
    ['{"name": "p", "constructor": {"prototype": {"x": 1}}}', 'constructor'],
    ['{"name": "p", "\\u005f_proto__": 1}', '__proto__'],
  ])('%s is a 400 saying the key is not allowed', async (body, field) => {
    const res = await s.api.request('POST', '/projects', { body, headers: { 'content-type': 'application/json' } });
    expectError(res, 400, 'VALIDATION_ERROR', [field]);
    expect(res.body.error.details[0]).toEqual({ field, message: 'is not an allowed key' });
    expect(res.body.error.message).not.toMatch(/Malformed/);
  });

  it('malformed JSON is still called malformed', async () => {
    const res = await s.api.request('POST', '/projects', { body: '{"name": ', headers: { 'content-type': 'application/json' } });
    expectError(res, 400, 'VALIDATION_ERROR', ['body']);
    expect(res.body.error.message).toMatch(/Malformed JSON/);
  });

  it('deep nesting is a 400, never a 500', async () => {
    const depth = 200_000;
    const body = `{"name": "p", "x": ${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const res = await s.api.request('POST', '/projects', { body, headers: { 'content-type': 'application/json' } });
    expectError(res, 400, 'VALIDATION_ERROR');
  });
});

describe('an empty update says what can be sent', () => {
  const FIELDS: Record<string, string[]> = {
    clients: ['name', 'contact_email', 'website'],
    projects: ['name', 'status', 'start_date'],
    findings: ['title', 'severity', 'cvss_vector', 'asset_ids'],
    assets: ['name', 'type'],
    webhooks: ['url', 'events', 'active'],
    users: ['name', 'role', 'active'],
    'service-accounts': ['name', 'role', 'description', 'active'],
  };
  it.each(Object.keys(FIELDS))('PUT /%s {}', async (resource) => {
    const res = await s.api.put(`/${resource}/${existing[resource]}`, {});
    expectError(res, 400, 'VALIDATION_ERROR', ['body']);
    const text = `${res.body.error.message} ${res.body.error.details[0].message}`;
    expect(text).not.toMatch(/fewer than 1 properties/);
    for (const f of FIELDS[resource]!) expect(res.body.error.details[0].message).toContain(f);
  });
});

describe('boolean filters are strict everywhere', () => {
  it.each(['/webhooks', '/users', '/service-accounts'])('%s?active=yes is a 400; true and false work', async (path) => {
    for (const value of ['yes', '1', 'on', 'TRUE ']) expectError(await s.api.get(`${path}?active=${encodeURIComponent(value)}`), 400, 'VALIDATION_ERROR', ['active']);
    expect((await s.api.get(`${path}?active=true`)).status).toBe(200);
    expect((await s.api.get(`${path}?active=false`)).status).toBe(200);
  });

  it('webhooks?active=false lists the inactive ones only', async () => {
    const off = await s.api.post('/webhooks', { url: 'http://93.184.215.14/off', events: ['*'], active: false });
    const res = await s.api.get('/webhooks?active=false');
    expect(res.body.data.map((w: { id: string }) => w.id)).toEqual([off.body.data.id]);
  });
});

describe('names are never blank', () => {
  const BLANK = ['   ', ' \t\n ', '\u200b', '\u200b\u200c\u200d', '\u2060', '\ufeff', '\u00a0', '\u3000', '\u3164', '\u180e', '\u200e\u200f', '\u00ad'];
  const NAMED: [string, string][] = [
    ['clients', 'name'], ['projects', 'name'], ['assets', 'name'], ['findings', 'title'], ['users', 'name'],
    ['service-accounts', 'name'], ['api-keys', 'name'], ['api-keys', 'label'],
  ];
  it.each(NAMED)('POST /%s refuses a blank %s', async (resource, field) => {
    for (const blank of BLANK) {
      const body = CREATE[resource]!({ [field]: blank });
      if (field === 'label') delete body.name;
      const res = await s.api.post(`/${resource}`, body);
      expectError(res, 400, 'VALIDATION_ERROR', [field]);
      expect(res.body.error.details.find((d: { field: string }) => d.field === field).message, JSON.stringify(blank)).toMatch(/blank/);
    }
  });

  it.each(NAMED.filter(([r]) => UPDATABLE.includes(r)))('PUT /%s refuses a blank %s', async (resource, field) => {
    for (const blank of BLANK) {
      expectError(await s.api.put(`/${resource}/${existing[resource]}`, { [field]: blank }), 400, 'VALIDATION_ERROR', [field]);
    }
  });

  it('a name with something visible in it is kept as sent', async () => {
    const res = await s.api.post('/clients', { name: ' Acme\u200b ' });
    expect(res.status).toBe(201);
    expect(res.body.data.name).toBe(' Acme\u200b ');
  });
});

describe('clearing a finding’s CVSS vector', () => {
  it('without a severity is a 400 asking for one; with one it clears score and vector', async () => {
    const f = await s.make.finding(projectId, { cvss_vector: CVSS31_CRITICAL });
    expect(f.severity).toBe('Critical');
    const res = await s.api.put(`/findings/${f.id}`, { cvss_vector: null });
    expectError(res, 400, 'VALIDATION_ERROR', ['severity']);
    expect((await s.api.get(`/findings/${f.id}`)).body.data).toMatchObject({ cvss_vector: CVSS31_CRITICAL, cvss_score: 9.8, severity: 'Critical' });
    const cleared = await s.api.put(`/findings/${f.id}`, { cvss_vector: null, severity: 'High' });
    expect(cleared.status, cleared.text).toBe(200);
    expect(cleared.body.data).toMatchObject({ cvss_vector: null, cvss_score: null, severity: 'High' });
  });

  it('a new finding without a vector is Info unless told otherwise', async () => {
    expect((await s.make.finding(projectId, { cvss_vector: null })).severity).toBe('Info');
    expect((await s.make.finding(projectId, { cvss_vector: null, severity: 'Low' })).severity).toBe('Low');
  });
});

describe('create answers and reads agree', () => {
  it('rotated_from is null, not "", in the answer that creates a key and in lists', async () => {
    const created = await s.api.post('/api-keys', CREATE['api-keys']!({}));
    expect(created.status, created.text).toBe(201);
    expect(created.body.data.rotated_from).toBeNull();
    const listed = (await s.api.get('/api-keys')).body.data.find((k: { id: string }) => k.id === created.body.data.id);
    expect(listed.rotated_from).toBeNull();
  });

  it.each(Object.keys(CREATE))('POST /%s answers what GET then shows', async (resource) => {
    const created = await s.api.post(`/${resource}`, CREATE[resource]!({}));
    expect(created.status, created.text).toBe(201);
    const got = await s.api.get(`/${resource}/${created.body.data.id}`);
    expect(got.status).toBe(200);
    for (const [k, v] of Object.entries(got.body.data)) {
      if (k in created.body.data && !['key', 'secret'].includes(k)) expect(created.body.data[k], `${resource}.${k}`).toEqual(v);
    }
  });
});
