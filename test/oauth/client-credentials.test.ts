import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { client, setup, teardown, type Setup } from '../helpers/index.js';

/** client_credentials, introspection and revocation through openid-client (a certified RP). */
let s: Setup;
let issuer: URL;
let clientId: string;
let clientSecret: string;
let config: oidc.Configuration;

async function discover(id: string, secret: string, auth = oidc.ClientSecretBasic(secret)) {
  return oidc.discovery(issuer, id, { client_secret: secret }, auth, { execute: [oidc.allowInsecureRequests], algorithm: 'oauth2' });
}

beforeAll(async () => {
  s = await setup();
  issuer = new URL(`${s.server.origin}/api/v1/auth/oauth2`);
  const sa = await s.api.post('/service-accounts', { name: 'Importer', role: 'tester' });
  expect(sa.status, sa.text).toBe(201);
  const created = await s.api.post('/oauth2/clients', {
    name: 'Scanner import', client_type: 'confidential', scopes: ['findings:read', 'findings:write', 'projects:read'],
    service_account_id: sa.body.data.id,
  });
  expect(created.status, created.text).toBe(201);
  clientId = created.body.data.id;
  clientSecret = created.body.data.client_secret;
  config = await discover(clientId, clientSecret);
}, 180_000);
afterAll(() => teardown(s));

describe('client_credentials', () => {
  it('issues an opaque access token that the API accepts with the scopes ∩ the service account role', async () => {
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'findings:read projects:read' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.scope).toBe('findings:read projects:read');
    const api = client(s.server.url, tokens.access_token);
    expect((await api.get('/findings')).status).toBe(200);
    expect((await api.get('/projects')).status).toBe(200);
    const denied = await api.get('/assets');
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('FORBIDDEN');
    // Issued for the REST API (the default resource), it is not a token for the MCP endpoint.
    const mcp = await fetch(`${s.server.origin}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(mcp.status).toBe(401);
    expect(mcp.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('refuses a scope beyond the client or the service account role with invalid_scope', async () => {
    await expect(oidc.clientCredentialsGrant(config, { scope: 'admin' })).rejects.toMatchObject({ error: 'invalid_scope' });
    await expect(oidc.clientCredentialsGrant(config, { scope: 'assets:read' })).rejects.toMatchObject({ error: 'invalid_scope' });
  });

  it('refuses a wrong client secret with invalid_client', async () => {
    const wrong = await discover(clientId, `${clientSecret}x`);
    // RFC 6749 §5.2: 401 with a WWW-Authenticate challenge for HTTP Basic client authentication.
    const err = await oidc.clientCredentialsGrant(wrong, { scope: 'findings:read' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
    const challenge = err as oidc.WWWAuthenticateChallengeError;
    expect(challenge.status).toBe(401);
    expect(challenge.cause[0]!.parameters.error).toBe('invalid_client');
  });

  it('introspects and revokes its token, which then gets 401 INVALID_TOKEN', async () => {
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'findings:read' });
    const info = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(info.active).toBe(true);
    expect(info.client_id).toBe(clientId);
    expect(info.scope).toBe('findings:read');
    const api = client(s.server.url, tokens.access_token);
    expect((await api.get('/findings')).status).toBe(200);
    await oidc.tokenRevocation(config, tokens.access_token);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    const after = await api.get('/findings');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('INVALID_TOKEN');
  });

  it('takes the secret in the form body too, as netrecon-authentication.txt sends it (client_secret_post)', async () => {
    const res = await fetch(`${s.server.origin}/api/v1/auth/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'findings:read' }),
    });
    expect(res.status).toBe(200);
    const body = await res.json() as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'findings:read' });
    expect(res.headers.get('cache-control')).toContain('no-store');
    // The service account's token says so at GET /user.
    const me = await client(s.server.url, body.access_token as string).get('/user');
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ type: 'service_account', credential: { kind: 'service' } });
  });
});
