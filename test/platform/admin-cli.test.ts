import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, freshStorage, startProcess, type ServerProcess } from '../helpers/index.js';

/** `npm run -s admin -- …` on the embedded database (or DATABASE_URL when set), from a fresh database on. */
let st: Awaited<ReturnType<typeof freshStorage>>;
let server: ServerProcess | undefined;
beforeAll(async () => {
  st = await freshStorage({ fresh: true });
});
afterAll(async () => {
  if (server && server.proc.exitCode === null) server.proc.kill('SIGKILL');
  await st?.cleanup();
});

const onDb = process.env.DATABASE_URL ? 'PostgreSQL' : 'the embedded database';

describe(`admin CLI on ${onDb}`, { timeout: 480_000 }, () => {
  let acme: { tenant: { id: string; slug: string }; token: string };

  it('creates a tenant (migrating a fresh database first) and prints one line of JSON, through npm as documented', async () => {
    const r = await admin(['tenant', 'create', 'acme', '--json'], st.env, { viaNpm: true });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    acme = JSON.parse(lines[0]!);
    expect(Object.keys(acme).sort()).toEqual(['tenant', 'token']);
    expect(Object.keys(acme.tenant).sort()).toEqual(['id', 'slug']);
    expect(acme.tenant.slug).toBe('acme');
    expect(acme.tenant.id).toMatch(/^ten_[0-9a-z]{26}$/);
    expect(acme.token).toMatch(/^nf_live_[0-9a-f]{48}$/);
  });

  it('takes a token from token generate with --token, and prints text without --json', async () => {
    const gen = await admin(['token', 'generate'], st.env);
    expect(gen.code).toBe(0);
    const token = gen.stdout.trim();
    expect(token).toMatch(/^nf_live_[0-9a-f]{48}$/);
    const json = await admin(['tenant', 'create', 'beta', '--token', token, '--json'], st.env);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).token).toBe(token);
    const text = await admin(['tenant', 'create', 'gamma'], st.env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/gamma/);
    expect(text.stdout).toMatch(/nf_live_[0-9a-f]{48}/);
  });

  it('rotates the access-token signing key; both keys are published while the old one still verifies', async () => {
    const first = await admin(['keys', 'rotate', '--json'], st.env);
    expect(first.code, first.stderr).toBe(0);
    const second = await admin(['keys', 'rotate', '--json'], st.env);
    expect(second.code, second.stderr).toBe(0);
    const a = JSON.parse(first.stdout.trim()).key_id;
    const b = JSON.parse(second.stdout.trim()).key_id;
    expect(a).toMatch(/^key_/);
    expect(b).toMatch(/^key_/);
    expect(b).not.toBe(a);
  });

  it('lists tenants', async () => {
    const r = await admin(['tenant', 'list', '--json'], st.env);
    expect(r.code, r.stderr).toBe(0);
    const { tenants } = JSON.parse(r.stdout.trim());
    expect(tenants.map((t: { slug: string }) => t.slug)).toEqual(['acme', 'beta', 'gamma']);
    expect(tenants[0]).toMatchObject({ id: acme.tenant.id, slug: 'acme' });
    const text = await admin(['tenant', 'list'], st.env);
    expect(text.stdout.split('\n').filter(Boolean)).toHaveLength(3);
  });

  it.each([
    [['tenant', 'create', 'acme', '--json'], /acme.*exists|exists.*acme/i],
    [['tenant', 'create', 'Bad Slug'], /slug/i],
    [['tenant', 'create'], /SLUG/],
    [['tenant', 'create', 'delta', '--token', 'nf_live_abc123...'], /token/i],
    [['tenant', 'frobnicate'], /Usage/],
  ])('refuses %j with a clear message and a non-zero exit', async (args, message) => {
    const r = await admin(args, st.env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/); // no stack trace
  });

  it('refuses a token already in use', async () => {
    const r = await admin(['tenant', 'create', 'epsilon', '--token', acme.token, '--json'], st.env);
    expect(r.code).not.toBe(0);
    expect((await admin(['tenant', 'list', '--json'], st.env)).stdout).not.toContain('epsilon');
  });

  it("the server accepts the tenants' tokens; the CLI says clearly when the data folder is in use", async () => {
    server = await startProcess(st.env);
    await server.waitFor(/Server listening at/);
    const res = await fetch(`${server.url}/projects`, { headers: { authorization: `Bearer ${acme.token}` } });
    expect(res.status).toBe(200);
    // A tenant host must match the token's tenant.
    const created = await admin(['tenant', 'list', '--json'], st.env);
    if (process.env.DATABASE_URL) {
      // PostgreSQL: the CLI works while the server runs.
      expect(created.code, created.stderr).toBe(0);
      const zeta = await admin(['tenant', 'create', 'zeta', '--json'], st.env);
      expect(zeta.code, zeta.stderr).toBe(0);
      const t = JSON.parse(zeta.stdout).token;
      expect((await fetch(`${server.url}/projects`, { headers: { 'x-api-key': t } })).status).toBe(200);
    } else {
      expect(created.code).not.toBe(0);
      expect(created.stderr).toMatch(/in use/);
      expect(created.stderr).toContain(st.dataDir);
      expect(created.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    }
    expect(await server.stop()).toBe(0);
    // Stopped: the embedded database is free again.
    const after = await admin(['tenant', 'list', '--json'], st.env);
    expect(after.code, after.stderr).toBe(0);
  });
});
