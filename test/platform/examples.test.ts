import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, teardown, type Setup } from '../helpers/index.js';

/**
 * The documents' own examples, run as they are written against a live server: only the base URL
 * and the token are substituted. Python and node reach the server at 127.0.0.1 (this machine does
 * not resolve *.localhost for them); curl resolves *.localhost itself, so it goes to the tenant host.
 */
const run = promisify(execFile);
const DIR = path.join(import.meta.dirname, '../fixtures/examples');
const DOC_BASE = 'https://{tenant}.nforged.com/api/v1';
const DOC_TOKENS = ['nf_live_abc123...', 'YOUR_API_TOKEN', 'your_api_token', 'YOUR_TOKEN'];

let s: Setup;
let tmp: string;
beforeAll(async () => {
  s = await setup();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'neuro-examples-'));
  // The examples file findings under "proj_123": that project exists in the test tenant.
  await s.server.db.tenantTx(s.tenant.id, (q) =>
    q.query("INSERT INTO projects (tenant_id, id, name, status) VALUES ($1, 'proj_123', 'Q1 Pentest', 'in_progress')", [s.tenant.id]),
  );
});
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await teardown(s);
});

/** The example with the documents' base URL and placeholder token replaced, plus `extra` appended. */
function prepared(file: string, base: string, extra = ''): string {
  let text = fs.readFileSync(path.join(DIR, file), 'utf8');
  text = text.split(DOC_BASE).join(base);
  for (const t of DOC_TOKENS) text = text.split(t).join(s.tenant.token);
  expect(text, `${file}: nothing else points at the documents' host`).not.toContain('nforged.com');
  const out = path.join(tmp, file);
  fs.writeFileSync(out, text + extra);
  return out;
}

async function findingsTitled(title: string) {
  const res = await s.api.get(`/projects/proj_123/findings?limit=100`);
  return res.body.data.filter((f: { title: string }) => f.title === title);
}

/** Runs a Python example and returns the named globals it ended with. */
async function python(file: string, names: string[], env: Record<string, string> = {}) {
  const wrapper = [
    'import json, runpy, sys',
    'g = runpy.run_path(sys.argv[1])',
    'out = {}',
    'for k in sys.argv[2:]:',
    '    v = g[k]',
    '    out[k] = {"status": v.status_code, "json": v.json()} if hasattr(v, "status_code") else v',
    'print(json.dumps(out))',
  ].join('\n');
  const { stdout } = await run('python3', ['-c', wrapper, prepared(file, s.server.url), ...names], {
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout) as Record<string, any>;
}

const curlBase = () => `http://${s.tenant.slug}.localhost:${s.server.port}/api/v1`;
const curlBodies = (stdout: string) => stdout.split(/(?<=\})(?=\{"success")/).map((t) => JSON.parse(t));

describe('Python examples', () => {
  it('authentication: lists projects with requests', async () => {
    const out = await python('auth-requests.py', ['projects', 'response']);
    expect(out.response.status).toBe(200);
    expect(out.projects.map((p: { id: string }) => p.id)).toContain('proj_123');
  });

  it('authentication: reads the token from NFORGED_API_TOKEN', async () => {
    const out = await python('auth-env-token.py', ['token'], { NFORGED_API_TOKEN: s.tenant.token });
    expect(out.token).toBe(s.tenant.token);
    expect((await fetch(`${s.server.url}/projects`, { headers: { authorization: `Bearer ${out.token}` } })).status).toBe(200);
  });

  it('integration: lists projects and creates a finding', async () => {
    const out = await python('integration-requests.py', ['projects', 'response']);
    expect(out.projects.map((p: { id: string }) => p.id)).toContain('proj_123');
    expect(out.response.status).toBe(201);
    expect(out.response.json.data).toMatchObject({
      project_id: 'proj_123', title: 'XSS in Search', severity: 'Medium', status: 'Open',
      description: 'Reflected XSS found in search parameter',
    });
    expect(await findingsTitled('XSS in Search')).toHaveLength(1);
  });
});

describe('JavaScript examples', () => {
  const node = async (file: string, extra: string) => {
    const { stdout } = await run('node', [prepared(file, s.server.url, extra)]);
    return JSON.parse(stdout.trim().split('\n').at(-1)!);
  };

  it('authentication: lists projects with fetch', async () => {
    const out = await node('auth-fetch.mjs', '\nconsole.log(JSON.stringify({ status: response.status, projects }));\n');
    expect(out.status).toBe(200);
    expect(out.projects.map((p: { id: string }) => p.id)).toContain('proj_123');
  });

  it('integration: lists projects and creates a finding', async () => {
    const out = await node('integration-fetch.mjs', '\nconsole.log(JSON.stringify({ projects }));\n');
    expect(out.projects.map((p: { id: string }) => p.id)).toContain('proj_123');
    const [f] = await findingsTitled('IDOR Vulnerability');
    expect(f).toMatchObject({ project_id: 'proj_123', severity: 'High', status: 'Open' });
  });
});

describe('curl examples', () => {
  it('authentication: lists projects and creates a finding on the tenant host', async () => {
    const { stdout } = await run('bash', ['-e', prepared('auth-curl.sh', curlBase())]);
    const [list1, list2, created] = curlBodies(stdout);
    for (const list of [list1, list2]) {
      expect(list.success).toBe(true);
      expect(list.data.map((p: { id: string }) => p.id)).toContain('proj_123');
    }
    expect(created).toMatchObject({ success: true, data: { project_id: 'proj_123', title: 'SQL Injection', severity: 'Info' } });
    expect(await findingsTitled('SQL Injection')).toHaveLength(1);
  });

  it('integration: quick start', async () => {
    const { stdout } = await run('bash', ['-e', prepared('integration-curl.sh', curlBase())]);
    const bodies = curlBodies(stdout);
    expect(bodies).toHaveLength(3);
    expect(bodies[2]).toMatchObject({
      success: true,
      data: {
        title: 'SQL Injection in Login', severity: 'High', description: 'SQL injection vulnerability found...',
        remediation: 'Use parameterized queries...',
      },
    });
  });

  it('integration: the GitHub Actions step, with its secrets filled in', async () => {
    const yml = fs.readFileSync(path.join(DIR, 'ci-github-actions.yml'), 'utf8');
    const script = yml.split('run: |\n')[1]!.replace(/^ {4}/gm, '')
      .replaceAll('${{ secrets.NFORGED_API }}', curlBase())
      .replaceAll('${{ secrets.NFORGED_TOKEN }}', s.tenant.token)
      .replaceAll('${{ env.FINDING_TITLE }}', 'Dependency with known CVE');
    const { stdout } = await run('bash', ['-e', '-c', script]);
    expect(JSON.parse(stdout)).toMatchObject({ success: true, data: { title: 'Dependency with known CVE', project_id: 'proj_123' } });
  });

  it('the documents’ error shapes: a missing token and a missing scope', async () => {
    const { stdout } = await run('curl', ['-s', `${curlBase()}/projects`]);
    expect(JSON.parse(stdout)).toEqual({ success: false, error: { code: 'UNAUTHORIZED', message: 'Invalid or missing authentication token' } });
    const readOnly = await s.server.mintToken(s.tenant, ['projects:read', 'findings:read', 'assets:read']);
    const { stdout: forbidden } = await run('curl', ['-s', '-X', 'POST', `${curlBase()}/findings`, '-H', `Authorization: Bearer ${readOnly}`,
      '-H', 'Content-Type: application/json', '-d', '{"project_id": "proj_123", "title": "x"}']);
    expect(JSON.parse(forbidden)).toEqual({ success: false, error: { code: 'FORBIDDEN', message: 'Token does not have required scope' } });
  });
});
