import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raw, setup, teardown, type Setup, type TestServer, type TestTenant } from '../helpers/index.js';
import { ROLES, SCOPES, roleAllows, type Role, type Scope } from '../../src/server/lib/scopes.js';

/**
 * The one table (ROLE_SCOPES) against every route the server has: each role with a token holding
 * every scope, a login session of each role, and tokens missing just the route's scope.
 */
let s: Setup;
let server: TestServer;
let tenant: TestTenant;
const serviceTokens = {} as Record<Role, string>;
const sessions = {} as Record<Role, string>;

beforeAll(async () => {
  s = await setup();
  ({ server, tenant } = s);
  for (const role of ROLES) {
    serviceTokens[role] = await server.mintToken(tenant, [...SCOPES], role);
    const user = await server.createUser(tenant, { role });
    sessions[role] = (await server.login(tenant, user)).access_token;
  }
}, 180_000);
afterAll(() => teardown(s));

function scoped() {
  return server.app.routeAccess.filter((r) => r.url.startsWith('/api/v1/') && r.scope) as { method: string; url: string; scope: Scope }[];
}

function call(method: string, url: string, token: string) {
  const path = url.replace(/:[a-z_]+/g, 'x_missing');
  const body = ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined;
  return raw(`${server.origin}${path}`, { method, headers: { authorization: `Bearer ${token}` }, body });
}

describe('scope × role matrix', () => {
  it('every route declares a scope, a principal requirement, or that it is public', () => {
    const routes = server.app.routeAccess.filter((r) => r.url.startsWith('/api/v1/'));
    expect(routes.length).toBeGreaterThan(30);
    for (const r of routes) expect(Boolean(r.scope || r.public || r.principal), `${r.method} ${r.url}`).toBe(true);
    // Every family of scope-protected routes is covered below.
    const families = new Set(scoped().map((r) => r.scope.split(':')[0]));
    for (const f of ['projects', 'findings', 'assets', 'clients', 'users', 'admin']) expect(families).toContain(f);
  });

  it('a role forbids exactly what ROLE_SCOPES does not give it (PERMISSION_DENIED), for tokens and sessions alike', async () => {
    const failures: string[] = [];
    for (const route of scoped()) {
      for (const role of ROLES) {
        for (const [kind, token] of [['token', serviceTokens[role]], ['session', sessions[role]]] as const) {
          const res = await call(route.method, route.url, token);
          const denied = res.status === 403 && res.body?.error?.code === 'PERMISSION_DENIED';
          const expectDenied = !roleAllows(role, route.scope);
          if (denied !== expectDenied || (!expectDenied && res.status === 403) || res.status === 401 || res.status >= 500) {
            failures.push(`${role} ${kind} ${route.method} ${route.url} (${route.scope}): ${res.status} ${res.text.slice(0, 120)}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('a token without the route’s scope gets 403 FORBIDDEN with the documented message, whatever its role', async () => {
    const failures: string[] = [];
    const lacking = new Map<Scope, string>();
    for (const route of scoped()) {
      let token = lacking.get(route.scope);
      if (!token) {
        token = await server.mintToken(tenant, SCOPES.filter((s) => s !== route.scope && s !== 'admin'), 'admin');
        lacking.set(route.scope, token);
      }
      const res = await call(route.method, route.url, token);
      if (res.status !== 403 || res.body.error.code !== 'FORBIDDEN' || res.body.error.message !== 'Token does not have required scope') {
        failures.push(`${route.method} ${route.url} (${route.scope}): ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('the admin scope implies every other scope', async () => {
    const admin = await server.mintToken(tenant, ['admin'], 'admin');
    for (const route of scoped()) {
      const res = await call(route.method, route.url, admin);
      expect(res.status, `${route.method} ${route.url}`).not.toBe(403);
    }
  }, 60_000);

  it('without a credential every non-public route is a 401', async () => {
    for (const r of server.app.routeAccess.filter((x) => x.url.startsWith('/api/v1/') && !x.public)) {
      const path = r.url.replace(/:[a-z_]+/g, 'x_missing');
      const res = await raw(`${server.origin}${path}`, { method: r.method, body: ['POST', 'PUT', 'PATCH'].includes(r.method) ? {} : undefined });
      expect(res.status, `${r.method} ${r.url}`).toBe(401);
    }
  });
});
