import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, type TestTenant } from '../helpers/server.js';
import { client } from '../helpers/http.js';

let server: TestServer;
let tenant: TestTenant;

beforeAll(async () => {
  server = await startServer();
  tenant = await server.createTenant();
});
afterAll(() => server?.close());

describe('login', () => {
  it('logs in and uses the access token', async () => {
    const user = await server.createUser(tenant, { role: 'tester' });
    const tokens = await server.login(tenant, user);
    expect(Object.keys(tokens).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);
    const me = await client(server.url, tokens.access_token).get('/user');
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ id: user.id, email: user.email, role: 'tester', type: 'user' });
  });
});
