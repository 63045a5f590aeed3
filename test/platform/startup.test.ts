import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { admin, freshStorage, startProcess, TOKEN_RE, type ServerProcess } from '../helpers/index.js';

/** The server as `npm start` runs it: first-start bootstrap, settings, graceful shutdown, logs. */
const LISTENING = /Server listening at/;
const running: ServerProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
  for (const c of cleanups.splice(0)) await c();
});

async function storage(opts: { fresh?: boolean } = {}) {
  const st = await freshStorage(opts);
  cleanups.push(st.cleanup);
  return st;
}
async function start(env: Record<string, string>) {
  const p = await startProcess(env);
  running.push(p);
  return p;
}
const getProjects = (url: string, token: string) => fetch(`${url}/projects`, { headers: { authorization: `Bearer ${token}` } });

// Each test starts server processes one after another: on a loaded 2-core machine that takes minutes.
describe('start-up', { timeout: 480_000 }, () => {
  it('migrates a fresh database, prints a working admin token on the first start, and nothing secret on the next', async () => {
    const st = await storage({ fresh: true });
    const first = await start(st.env);
    await first.waitFor(LISTENING);
    const tokens = first.output().match(TOKEN_RE) ?? [];
    expect(tokens.length).toBeGreaterThan(0);
    expect(new Set(tokens).size).toBe(1);
    expect((await getProjects(first.url, tokens[0]!)).status).toBe(200);
    expect(await first.stop()).toBe(0);

    const second = await start(st.env);
    await second.waitFor(LISTENING);
    expect(second.output()).not.toMatch(/nf_live_/);
    expect((await getProjects(second.url, tokens[0]!)).status).toBe(200);
    expect(await second.stop()).toBe(0);
  });

  it('uses NEURO_BOOTSTRAP_TOKEN as given and never prints or logs it', async () => {
    const st = await storage();
    const token = (await admin(['token', 'generate'], st.env)).stdout.trim();
    expect(token).toMatch(/^nf_live_[0-9a-f]{48}$/);
    const p = await start({ ...st.env, NEURO_BOOTSTRAP_TOKEN: token, NEURO_BOOTSTRAP_TENANT: 'acme' });
    await p.waitFor(LISTENING);
    expect((await getProjects(p.url, token)).status).toBe(200);
    expect((await fetch(`${p.url}/projects`, { headers: { 'x-api-key': token } })).status).toBe(200);
    expect((await fetch(`${p.url}/projects`, { headers: { authorization: `Bearer ${token}`, 'x-api-key': token.slice(0, -1) + (token.endsWith('0') ? '1' : '0') } })).status).toBe(400);
    expect(await p.stop()).toBe(0);
    expect(p.output()).not.toContain(token);
    expect(p.output()).not.toContain(token.slice(8, 40));
    expect(p.output()).not.toMatch(/nf_live_/);
    // Every log line is JSON; request lines carry their id.
    const lines = p.output().split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines.map((x) => JSON.parse(x))) if (l.req) expect(typeof l.reqId).toBe('string');
  });

  it.each([
    ['PORT', 'abc'], ['PORT', '70000'], ['LOG_LEVEL', 'loud'], ['NEURO_BOOTSTRAP_TOKEN', 'nf_live_abc123...'],
    ['NEURO_BOOTSTRAP_TENANT', 'Not A Slug'], ['DATABASE_URL', 'mysql://x'], ['NEURO_SECRET', 'short'],
    ['NEURO_BASE_DOMAIN', 'bad domain!'],
  ])('refuses %s=%s with a message naming it', async (name, value) => {
    const st = await storage();
    const p = await start({ ...st.env, [name]: value });
    expect(await p.exited).not.toBe(0);
    expect(p.output()).toContain(name);
    expect(p.output()).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });

  it('refuses clearly a port in use, a data folder in use, and a bootstrap token of another tenant', async () => {
    const st = await storage();
    const p = await start(st.env);
    await p.waitFor(LISTENING);
    const other = await storage();
    const samePort = await start({ ...other.env, PORT: String(p.port) });
    expect(await samePort.exited).not.toBe(0);
    expect(samePort.output()).toContain(String(p.port));
    expect(samePort.output()).toMatch(/cannot listen/);
    // Issue 18: no admin token printed (and then abandoned) by a server that cannot listen.
    expect(samePort.output()).not.toMatch(/nf_live_|Created tenant/);
    if (!process.env.DATABASE_URL) {
      const sameDir = await start(st.env);
      expect(await sameDir.exited).not.toBe(0);
      expect(sameDir.output()).toMatch(/in use/);
      expect(sameDir.output()).toContain(st.dataDir);
    }
    expect(await p.stop()).toBe(0);
    const third = await storage();
    const taken = JSON.parse((await admin(['tenant', 'create', 'first', '--json'], third.env)).stdout).token;
    const clash = await start({ ...third.env, NEURO_BOOTSTRAP_TOKEN: taken });
    expect(await clash.exited).not.toBe(0);
    expect(clash.output()).toMatch(/already exists/);
    expect(clash.output()).not.toContain(taken);
  });

  it('lets an in-flight request finish on SIGTERM, then exits 0', async () => {
    const st = await storage();
    const token = (await admin(['token', 'generate'], st.env)).stdout.trim();
    const p = await start({ ...st.env, NEURO_BOOTSTRAP_TOKEN: token });
    await p.waitFor(LISTENING);
    const body = JSON.stringify({ name: 'Created during shutdown' });
    // The request is under way (headers and half the body sent) when SIGTERM arrives.
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(`${p.url}/projects`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(body.length) },
      }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      // SIGTERM once the server has the request (it logs it on arrival): a fixed 300 ms was not
      // always enough on a loaded machine, and a request that arrives after SIGTERM gets a 503.
      p.waitFor(/incoming request/).then(() => {
        p.proc.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 500);
      }, reject);
    });
    const res = await response;
    expect(res.status, res.text).toBe(201);
    expect(JSON.parse(res.text).data.name).toBe('Created during shutdown');
    expect(await p.exited).toBe(0);
    // New connections are refused once it is gone; the data was kept.
    await expect(fetch(`${p.url}/health`)).rejects.toThrow();
    const again = await start(st.env);
    await again.waitFor(LISTENING);
    const list = await (await getProjects(again.url, token)).json();
    expect(list.data.map((x: { name: string }) => x.name)).toContain('Created during shutdown');
    expect(await again.stop()).toBe(0);
  });
});
