import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { client, raw, setup, teardown, type Setup, type TestTenant } from '../helpers/index.js';

let s: Setup;
let other: TestTenant;
let mcpToken: string;
let project: Record<string, any>;
let finding: Record<string, any>;
let asset: Record<string, any>;
let otherFinding: Record<string, any>;

/** The MCP SDK's own client over Streamable HTTP, with `token` as Authorization: Bearer. */
async function connect(token: string): Promise<Client> {
  const mcp = new Client({ name: 'test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${s.server.origin}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await mcp.connect(transport);
  return mcp;
}

/** A tool call's JSON answer (and whether it is a tool error). */
async function call(mcp: Client, name: string, args: Record<string, unknown> = {}): Promise<{ isError: boolean; body: any }> {
  const result = await mcp.callTool({ name, arguments: args });
  const content = result.content as { type: string; text: string }[];
  return { isError: result.isError === true, body: JSON.parse(content[0]!.text) };
}

beforeAll(async () => {
  s = await setup();
  const { server, tenant, make } = s;
  const user = await server.createUser(tenant, { role: 'tester' });
  const session = client(server.url, (await server.login(tenant, user)).access_token);
  const created = await session.post('/user/mcp-tokens', { name: 'assistant' });
  expect(created.status, created.text).toBe(201);
  mcpToken = created.body.data.key;
  const c = await make.client({ name: 'Acme Corp' });
  project = await make.project({ name: 'Acme external test', client_id: c.id });
  asset = await make.asset(project.id, { name: 'login.acme.example' });
  finding = await make.finding(project.id, { title: 'SQL injection in login form', severity: 'Critical', description: 'The username parameter is concatenated into SQL.', asset_ids: [asset.id] });
  await make.finding(project.id, { title: 'Missing HSTS header', severity: 'Low', status: 'Confirmed' });
  await make.finding(project.id, { title: 'Verbose error pages', severity: 'Medium' });
  other = await server.createTenant();
  const otherProject = (await client(server.url, other.token).post('/projects', { name: 'Other tenant project' })).body.data;
  otherFinding = (await client(server.url, other.token).post('/findings', { project_id: otherProject.id, title: 'Other tenant finding' })).body.data;
}, 180_000);
afterAll(() => teardown(s));

describe('MCP server over Streamable HTTP', () => {
  it('lists its tools, each with a description and an input schema', async () => {
    const mcp = await connect(mcpToken);
    const { tools } = await mcp.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'create_finding', 'generate_report', 'get_client', 'get_finding', 'get_project', 'get_report', 'list_assets', 'list_clients',
      'list_projects', 'project_summary', 'search_findings', 'update_finding',
    ]);
    for (const t of tools) {
      expect(t.description!.length).toBeGreaterThan(10);
      expect(t.inputSchema.type).toBe('object');
    }
    const search = tools.find((t) => t.name === 'search_findings')!;
    expect(Object.keys(search.inputSchema.properties!)).toEqual(expect.arrayContaining(['search', 'severity', 'status', 'project_id', 'page', 'limit', 'sort']));
    await mcp.close();
  });

  it('searches findings with the REST list’s filters and paging', async () => {
    const mcp = await connect(mcpToken);
    const all = await call(mcp, 'search_findings', { project_id: project.id, limit: 2 });
    expect(all.isError).toBe(false);
    expect(all.body.findings).toHaveLength(2);
    expect(all.body.pagination).toEqual({ page: 1, limit: 2, total: 3, pages: 2 });
    const rest = await s.api.get(`/findings?project_id=${project.id}&limit=2`);
    expect(all.body.findings).toEqual(rest.body.data);
    // The keyset page after the last one shown, as the REST list's `after` gives it.
    const next = await call(mcp, 'search_findings', { project_id: project.id, limit: 2, after: all.body.findings[1].id });
    expect(next.body.findings).toEqual((await s.api.get(`/findings?project_id=${project.id}&limit=2&after=${all.body.findings[1].id}`)).body.data);
    expect(next.body.findings).toHaveLength(1);
    const critical = await call(mcp, 'search_findings', { severity: 'Critical,High' });
    expect(critical.body.findings.map((f: any) => f.id)).toEqual([finding.id]);
    const text = await call(mcp, 'search_findings', { search: 'concatenated' });
    expect(text.body.findings.map((f: any) => f.id)).toEqual([finding.id]);
    const bad = await call(mcp, 'search_findings', { severity: 'Catastrophic' });
    expect(bad.isError).toBe(true);
    expect(bad.body).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    await mcp.close();
  });

  it('gets a finding with its history, creates and updates findings', async () => {
    const mcp = await connect(mcpToken);
    const created = await call(mcp, 'create_finding', { project_id: project.id, title: 'Reflected XSS in search', severity: 'High', cwe: 'CWE-79' });
    expect(created.isError).toBe(false);
    expect(created.body).toMatchObject({ title: 'Reflected XSS in search', severity: 'High', status: 'Open', project_id: project.id });
    const updated = await call(mcp, 'update_finding', { id: created.body.id, status: 'Confirmed', if_match: created.body.updated_at });
    expect(updated.body.status).toBe('Confirmed');
    const stale = await call(mcp, 'update_finding', { id: created.body.id, status: 'Remediated', if_match: '2000-01-01T00:00:00.000Z' });
    expect(stale).toMatchObject({ isError: true, body: { status: 409, code: 'CONFLICT' } });
    const got = await call(mcp, 'get_finding', { id: created.body.id });
    expect(got.body.finding).toMatchObject({ id: created.body.id, status: 'Confirmed' });
    expect(got.body.history.length).toBeGreaterThanOrEqual(2);
    expect(got.body.history_pagination.total).toBe(got.body.history.length);
    const invalid = await call(mcp, 'create_finding', { project_id: project.id, title: 'x', cwe: 'not a cwe' });
    expect(invalid).toMatchObject({ isError: true, body: { status: 400, code: 'VALIDATION_ERROR' } });
    expect(invalid.body.details.map((d: any) => d.field)).toContain('cwe');
    await mcp.close();
  });

  it('lists and gets projects and clients, summarizes a project, lists assets', async () => {
    const mcp = await connect(mcpToken);
    const projects = await call(mcp, 'list_projects', { search: 'acme' });
    expect(projects.body.projects.map((p: any) => p.id)).toEqual([project.id]);
    expect(projects.body.pagination.total).toBe(1);
    expect((await call(mcp, 'get_project', { id: project.id })).body.name).toBe('Acme external test');
    const clients = await call(mcp, 'list_clients', {});
    expect(clients.body.clients.map((c: any) => c.name)).toContain('Acme Corp');
    expect((await call(mcp, 'get_client', { id: project.client_id })).body.name).toBe('Acme Corp');
    const summary = await call(mcp, 'project_summary', { project_id: project.id });
    expect(summary.body.project.id).toBe(project.id);
    expect(summary.body.findings.total).toBeGreaterThanOrEqual(3);
    expect(summary.body.findings.by_severity).toMatchObject({ Critical: 1, Low: 1, Medium: 1 });
    expect(summary.body.findings.by_status.Confirmed).toBeGreaterThanOrEqual(1);
    expect(summary.body.findings.by_severity_and_status.Low).toEqual({ Confirmed: 1 });
    const assets = await call(mcp, 'list_assets', { project_id: project.id });
    expect(assets.body.assets.map((a: any) => a.id)).toEqual([asset.id]);
    await mcp.close();
  });

  it('generates a report and reports its status', async () => {
    const mcp = await connect(mcpToken);
    const started = await call(mcp, 'generate_report', { project_id: project.id, format: 'json' });
    expect(started.isError, JSON.stringify(started.body)).toBe(false);
    expect(started.body.id).toMatch(/^rep_/);
    await expect.poll(async () => (await call(mcp, 'get_report', { id: started.body.id })).body.status, { timeout: 20_000 }).toBe('completed');
    await mcp.close();
  });

  it('reads a project and a finding as resources', async () => {
    const mcp = await connect(mcpToken);
    const read = await mcp.readResource({ uri: `neuro://findings/${finding.id}` });
    expect(JSON.parse((read.contents[0] as { text: string }).text).title).toBe('SQL injection in login form');
    const p = await mcp.readResource({ uri: `neuro://projects/${project.id}` });
    expect(JSON.parse((p.contents[0] as { text: string }).text).id).toBe(project.id);
    await expect(mcp.readResource({ uri: `neuro://findings/${otherFinding.id}` })).rejects.toThrow(/not found/i);
    await mcp.close();
  });
});

describe('MCP access', () => {
  it('refuses a tool beyond the token’s scopes with the REST 403', async () => {
    const readOnly = await s.server.mintToken(s.tenant, ['findings:read']);
    const mcp = await connect(readOnly);
    expect((await call(mcp, 'search_findings', {})).isError).toBe(false);
    const create = await call(mcp, 'create_finding', { project_id: project.id, title: 'Nope' });
    expect(create).toMatchObject({ isError: true, body: { status: 403, code: 'FORBIDDEN' } });
    const report = await call(mcp, 'generate_report', { project_id: project.id, format: 'json' });
    expect(report).toMatchObject({ isError: true, body: { status: 403, code: 'FORBIDDEN' } });
    // The summary needs projects:read as well as findings:read.
    expect(await call(mcp, 'project_summary', { project_id: project.id })).toMatchObject({ isError: true, body: { status: 403 } });
    await mcp.close();
  });

  it('answers another tenant’s objects as not found', async () => {
    const mcp = await connect(mcpToken);
    expect(await call(mcp, 'get_finding', { id: otherFinding.id })).toMatchObject({ isError: true, body: { status: 404, code: 'NOT_FOUND' } });
    expect(await call(mcp, 'update_finding', { id: otherFinding.id, title: 'mine now' })).toMatchObject({ isError: true, body: { status: 404 } });
    expect(await call(mcp, 'project_summary', { project_id: otherFinding.project_id })).toMatchObject({ isError: true, body: { status: 404 } });
    expect(await call(mcp, 'create_finding', { project_id: otherFinding.project_id, title: 'x' })).toMatchObject({ isError: true });
    const search = await call(mcp, 'search_findings', { project_id: otherFinding.project_id });
    expect(search.body.findings).toEqual([]);
    await mcp.close();
    // And the other tenant's own token sees only its own.
    const theirs = await connect(other.token);
    expect((await call(theirs, 'search_findings', {})).body.findings.map((f: any) => f.id)).toEqual([otherFinding.id]);
    await theirs.close();
  });

  it('works with an MCP token, an API key, a service token and a login access token', async () => {
    const { server, tenant } = s;
    const user = await server.createUser(tenant, { role: 'tester' });
    const access = (await server.login(tenant, user)).access_token;
    const apiKey = (await client(server.url, access).post('/user/api-keys', { name: 'key' })).body.data.key;
    const service = await server.mintToken(tenant, ['findings:read'], 'viewer');
    for (const token of [mcpToken, apiKey, service, access]) {
      const mcp = await connect(token);
      const found = await call(mcp, 'search_findings', { project_id: project.id });
      expect(found.isError).toBe(false);
      expect(found.body.pagination.total).toBeGreaterThanOrEqual(3);
      await mcp.close();
    }
  });

  it('answers 401 with WWW-Authenticate: Bearer without a credential or with a bad one', async () => {
    const body = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const none = await raw(`${s.server.origin}/mcp`, { method: 'POST', headers, body });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.body).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED' } });
    const bad = await raw(`${s.server.origin}/mcp`, { method: 'POST', headers: { ...headers, authorization: 'Bearer nf_live_nope' }, body });
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
    expect(bad.body).toMatchObject({ success: false, error: { code: 'INVALID_TOKEN' } });
    // The SDK client surfaces it as an error too.
    await expect(connect('nf_live_nope')).rejects.toThrow();
  });

  it('is tenant-bound like the API: a tenant host takes only its own tenant’s credentials', async () => {
    const body = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_finding', arguments: { id: finding.id, include_history: false } } };
    const at = (slug: string, token: string) => raw(`${s.server.origin}/mcp`, {
      method: 'POST',
      headers: { host: `${slug}.localhost:${s.server.port}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
      body,
    });
    const own = await at(s.tenant.slug, mcpToken);
    expect(own.status).toBe(200);
    expect(own.text).toContain(finding.id);
    const foreign = await at(other.slug, mcpToken);
    expect(foreign.status).toBe(401);
    expect(foreign.headers['www-authenticate']).toMatch(/^Bearer/);
    // X-API-Key works as it does for the API.
    const viaHeader = await raw(`${s.server.origin}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-api-key': mcpToken },
      body,
    });
    expect(viaHeader.status).toBe(200);
  });

  it('keeps /api/v1/user/mcp-tokens working', async () => {
    const { server, tenant } = s;
    const user = await server.createUser(tenant, { role: 'tester' });
    const session = client(server.url, (await server.login(tenant, user)).access_token);
    const made = await session.post('/user/mcp-tokens', { name: 'claude' });
    expect(made.status).toBe(201);
    expect((await session.get('/user/mcp-tokens')).body.data.map((t: any) => t.id)).toContain(made.body.data.id);
    expect((await session.del(`/user/mcp-tokens/${made.body.data.id}`)).status).toBe(204);
    const revoked = await raw(`${s.server.origin}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${made.body.data.key}` },
      body: { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} },
    });
    expect(revoked.status).toBe(401);
  });
});

describe('malformed MCP requests', () => {
  const post = (body: unknown, extra: Record<string, string> = {}) =>
    raw(`${s.server.origin}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${mcpToken}`, ...extra },
      body,
    });

  it('answers broken JSON, non-JSON-RPC bodies and unknown methods with clear errors, never a 500', async () => {
    const broken = await post('{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' } });
    for (const body of [{ hello: 'world' }, [], 42, { jsonrpc: '1.0', id: 1, method: 'tools/list' }, { jsonrpc: '2.0', id: 1 }]) {
      const res = await post(JSON.stringify(body));
      expect(res.status, `${JSON.stringify(body)} → ${res.text}`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const parsed = res.body;
      expect(parsed.error.message ?? parsed.error).toBeTruthy();
    }
    const text = await post('hello', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
  });

  it('answers GET and DELETE (no sessions: the server is stateless) with 405', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await raw(`${s.server.origin}/mcp`, { method, headers: { accept: 'text/event-stream', authorization: `Bearer ${mcpToken}` } });
      expect(res.status).toBe(405);
    }
  });
});

describe('MCP over plain HTTP (the README example)', () => {
  const post = (body: unknown, extra: Record<string, string> = {}) =>
    raw(`${s.server.origin}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${mcpToken}`, ...extra },
      body,
    });

  /** The JSON-RPC message of a (JSON or single-event SSE) answer. */
  const message = (text: string) => JSON.parse(text.startsWith('{') ? text : /^data: (.*)$/m.exec(text)![1]!);

  it('serves a 2025-era client: initialize, then tools/call without a session', async () => {
    const init = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } } });
    expect(init.status).toBe(200);
    expect(init.headers['mcp-session-id']).toBeUndefined();
    expect(message(init.text).result.serverInfo.name).toBe('neuro-platform');
    // The README's curl: one request, no session, no protocol header.
    const called = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'search_findings', arguments: { severity: 'Critical' } } });
    expect(called.status).toBe(200);
    const result = JSON.parse(message(called.text).result.content[0].text);
    expect(result.findings.map((f: any) => f.id)).toEqual([finding.id]);
  });
});
