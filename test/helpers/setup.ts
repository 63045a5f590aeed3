import { expect } from 'vitest';
import { startServer, type StartOptions, type TestServer, type TestTenant } from './server.js';
import { client, type Client, type Response } from './http.js';
import { stopAndCheck } from './checks.js';
import { newId } from '../../src/server/lib/ids.js';

/**
 * A server with one tenant, its admin client and factories: `const s = await setup()` in a
 * beforeAll (or in a test that needs a server of its own), `await teardown(s)` after. Explicit
 * rather than a helper that registers hooks, because files start servers with different settings
 * in nested describes and inside tests; a server a file forgets to tear down is still stopped and
 * checked at the file's end (file-hooks.ts).
 */
export interface Setup {
  server: TestServer;
  tenant: TestTenant;
  api: Client;
  make: Factories;
}

export async function setup(opts: StartOptions = {}): Promise<Setup> {
  const server = await startServer(opts);
  const tenant = await server.createTenant();
  const api = client(server.url, tenant.token);
  return { server, tenant, api, make: factories(api, server, tenant) };
}

/**
 * Stops the server and removes its data, then asserts that it logged no error, answered no 5xx,
 * and sent no response that breaks its route's declared schema (the contract check).
 */
export async function teardown(s: Setup | TestServer | undefined) {
  if (!s) return;
  await stopAndCheck('server' in s ? s.server.checked : s.checked);
}

type Obj = Record<string, any>;

let seq = 0;
const n = () => ++seq;

/** Creates objects through the API (users directly in the database), each with overridable fields. */
export function factories(api: Client, server: TestServer, tenant: TestTenant) {
  const created = async (res: Response): Promise<Obj> => {
    expect(res.status, res.text).toBe(201);
    return res.body.data as Obj;
  };
  return {
    client: async (overrides: Obj = {}) => created(await api.post('/clients', { name: `Client ${n()}`, ...overrides })),
    project: async (overrides: Obj = {}) => created(await api.post('/projects', { name: `Project ${n()}`, ...overrides })),
    finding: async (projectId: string, overrides: Obj = {}) =>
      created(await api.post('/findings', { project_id: projectId, title: `Finding ${n()}`, ...overrides })),
    asset: async (projectId: string, overrides: Obj = {}) =>
      created(await api.post('/assets', { project_id: projectId, name: `host-${n()}.example.com`, type: 'host', ...overrides })),
    /** Users arrive with the identity work; until then they are inserted directly. */
    user: async (overrides: Obj = {}) => {
      const row = { id: newId('user'), email: `user${n()}@example.com`, name: `User ${n()}`, role: 'tester', active: true, ...overrides };
      await server.db.tenant(tenant.id, (q) =>
        q.query('INSERT INTO users (tenant_id, id, email, name, role, active) VALUES ($1, $2, $3, $4, $5, $6)', [
          tenant.id, row.id, row.email, row.name, row.role, row.active,
        ]),
      );
      return row;
    },
  };
}
export type Factories = ReturnType<typeof factories>;

/** Asserts the error envelope; with `fields`, each must appear in `details`. */
export function expectError(res: Pick<Response, 'status' | 'body' | 'text'>, status: number, code: string, fields: string[] = []) {
  expect(res.status, res.text).toBe(status);
  expect(res.body?.success, res.text).toBe(false);
  expect(res.body.error.code, res.text).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
  const got = (res.body.error.details ?? []).map((d: { field: string }) => d.field);
  // A field inside a list or object is named precisely: `tags[0]`, `contact.email`.
  for (const f of fields) {
    expect(got.some((g: string) => g === f || g.startsWith(`${f}[`) || g.startsWith(`${f}.`)), `${f} in ${res.text}`).toBe(true);
  }
}

export const CVSS31_CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'; // 9.8
export const CVSS31_MEDIUM = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N'; // 6.1
export const CVSS40_CRITICAL = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'; // 9.3
export const CVSS40_MEDIUM = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N'; // 6.9

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
