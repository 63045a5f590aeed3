import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, type TestTenant, type TestUser, raw } from '../helpers/index.js';

/** A stray cookie of another app on the same host (`theme=%zz`) must never break a request. */
let server: TestServer;
let tenant: TestTenant;
let user: TestUser;

beforeAll(async () => {
  server = await startServer();
  tenant = await server.createTenant();
  user = await server.createUser(tenant, { role: 'tester' });
}, 180_000);
afterAll(() => server?.close());

const JUNK = [
  'theme=%zz',
  'theme=%zz; lang=en',
  'noequals; theme=%zz',
  '=empty-name; ; ;; theme=%zz',
  'theme=%zz; theme=%E0%A4%A; a=%',
  'x=%00%ff%', // %ff alone is not UTF-8
  '%zz=1; theme=%zz',
];

function errorLines(from: number): string[] {
  return server.logs.slice(from).filter((l) => {
    try {
      return (JSON.parse(l) as { level: number }).level >= 50;
    } catch {
      return false;
    }
  });
}

describe('malformed cookies', () => {
  it('are ignored on /health, on a Bearer route and on a cookie-session route: no 500, no error log', async () => {
    const login = await raw(`${server.url}/auth/login`, { method: 'POST', body: { email: user.email, password: user.password, set_cookie: true } });
    expect(login.status).toBe(200);
    const session = ((login.headers['set-cookie'] as string[]) ?? []).map((c) => c.split(';')[0]!).join('; ');
    expect(session).toContain('neuro_session=');
    const mark = server.logs.length;
    for (const junk of JUNK) {
      const health = await raw(`${server.url}/health`, { headers: { cookie: junk } });
      expect(health.status, `/health with ${junk}`).toBe(200);
      const bearer = await raw(`${server.url}/user`, { headers: { cookie: junk, authorization: `Bearer ${login.body.access_token}` } });
      expect(bearer.status, `Bearer with ${junk}`).toBe(200);
      expect(bearer.body.data.id).toBe(user.id);
      for (const jar of [`${junk}; ${session}`, `${session}; ${junk}`]) {
        const cookie = await raw(`${server.url}/user`, { headers: { cookie: jar } });
        expect(cookie.status, `cookie session with ${jar}`).toBe(200);
        expect(cookie.body.data.id).toBe(user.id);
      }
      // Without any credential: the usual 401, not a 500.
      expect((await raw(`${server.url}/user`, { headers: { cookie: junk } })).status).toBe(401);
    }
    expect(errorLines(mark)).toEqual([]);
  });

  it('a duplicate cookie name takes the first value', async () => {
    const login = await raw(`${server.url}/auth/login`, { method: 'POST', body: { email: user.email, password: user.password, set_cookie: true } });
    const session = ((login.headers['set-cookie'] as string[]) ?? []).map((c) => c.split(';')[0]!).join('; ');
    const name = session.split('=')[0]!;
    const first = await raw(`${server.url}/user`, { headers: { cookie: `${session}; ${name}=garbage` } });
    expect(first.status).toBe(200);
  });
});
