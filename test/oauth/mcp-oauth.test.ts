import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch as undiciFetch } from 'undici';
import {
  discoverOAuthServerInfo, exchangeAuthorization, extractWWWAuthenticateParams, registerClient, startAuthorization, type FetchLike,
} from '@modelcontextprotocol/client';
import { client, setup, teardown, type Setup } from '../helpers/index.js';

/**
 * The MCP endpoint's OAuth, as the MCP authorization spec describes it: the 401's resource
 * metadata, RFC 9728 and RFC 8414 documents, dynamic client registration of a public client, and
 * the MCP SDK client's own discovery, registration and code exchange against our server. On a
 * tenant host (`<slug>.localhost`), which this agent resolves to the loopback address.
 */
let s: Setup;
let origin: string;
const loopback = new Agent({ connect: { lookup: (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]) } });
const tenantFetch: FetchLike = (url, init) => undiciFetch(url, { ...(init as object), dispatcher: loopback }) as unknown as Promise<Response>;

beforeAll(async () => {
  s = await setup();
  origin = `http://${s.tenant.slug}.localhost:${s.server.port}`;
}, 180_000);
afterAll(async () => {
  await loopback.close();
  await teardown(s);
});

/**
 * The browser part of an authorization, as the web app's JSON calls: a new viewer signs in on the
 * tenant host, opens the authorization URL, reads the consent details and allows. Where the
 * server sends the browser back, the app's name the consent screen showed, and the session cookie.
 */
async function consentAsViewer(authorizationUrl: URL) {
  const user = await s.server.createUser(s.tenant, { role: 'viewer' });
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const login = await tenantFetch(`${origin}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: user.password, set_cookie: true }),
  });
  expect(login.status).toBe(200);
  keep(login);
  const authz = await tenantFetch(authorizationUrl.href, { redirect: 'manual', headers: { cookie: cookie() } });
  expect(authz.status, await authz.clone().text()).toBe(303);
  keep(authz);
  const uid = authz.headers.get('location')!.split('/oauth/consent/')[1]!;
  const csrf = decodeURIComponent(jar.get('__Host-neuro_csrf') ?? jar.get('neuro_csrf')!);
  const details = await tenantFetch(`${origin}/api/v1/auth/oauth2/interaction/${uid}`, { headers: { cookie: cookie() } });
  const clientName = ((await details.json()) as any).data.client.name as string;
  const confirm = await tenantFetch(`${origin}/api/v1/auth/oauth2/interaction/${uid}/confirm`, {
    method: 'POST', headers: { cookie: cookie(), 'x-csrf-token': csrf, origin },
  });
  expect(confirm.status).toBe(200);
  const resume = await tenantFetch(((await confirm.json()) as any).data.redirect_to, { redirect: 'manual', headers: { cookie: cookie() } });
  return { back: new URL(resume.headers.get('location')!), clientName, cookie };
}

describe('MCP authorization', () => {
  it('answers a request without a token with 401 and the resource metadata URL', async () => {
    const res = await tenantFetch(`${origin}/mcp`, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="mcp", resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`);
    const params = extractWWWAuthenticateParams(res);
    expect(params.resourceMetadataUrl?.href).toBe(`${origin}/.well-known/oauth-protected-resource/mcp`);
  });

  it('serves RFC 9728 and RFC 8414 metadata naming the tenant\'s issuer, with none for public clients', async () => {
    const prm = await (await tenantFetch(`${origin}/.well-known/oauth-protected-resource/mcp`)).json() as Record<string, any>;
    expect(prm.resource).toBe(`${origin}/mcp`);
    expect(prm.authorization_servers).toEqual([`${origin}/api/v1/auth/oauth2`]);
    expect(prm.scopes_supported).toContain('findings:read');
    expect(prm.bearer_methods_supported).toEqual(['header']);
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/oauth-authorization-server/api/v1/auth/oauth2']) {
      const as = await (await tenantFetch(`${origin}${path}`)).json() as Record<string, any>;
      expect(as.issuer).toBe(`${origin}/api/v1/auth/oauth2`);
      expect(as.authorization_endpoint).toBe(`${origin}/api/v1/auth/oauth2/authorize`);
      expect(as.token_endpoint).toBe(`${origin}/api/v1/auth/oauth2/token`);
      expect(as.registration_endpoint).toBe(`${origin}/api/v1/auth/oauth2/register`);
      expect(as.token_endpoint_auth_methods_supported).toContain('none');
      expect(as.code_challenge_methods_supported).toEqual(['S256']);
      expect(as.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials', 'refresh_token']));
    }
  });

  it('lets the MCP SDK client discover, register (DCR, public), authorize and exchange a code for a token the MCP endpoint accepts', async () => {
    const info = await discoverOAuthServerInfo(`${origin}/mcp`, { fetchFn: tenantFetch });
    expect(info.authorizationServerUrl).toBe(`${origin}/api/v1/auth/oauth2`);
    const redirect = 'http://localhost:43210/callback';
    const registered = await registerClient(info.authorizationServerUrl, {
      metadata: info.authorizationServerMetadata,
      clientMetadata: { client_name: 'Claude', redirect_uris: [redirect, 'https://claude.ai/api/mcp/auth_callback'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
      fetchFn: tenantFetch,
    });
    expect(registered.client_id).toMatch(/^oac_/);
    expect(registered.client_secret).toBeUndefined();
    // The admin sees it among the tenant's clients, registered by itself.
    const listed = await s.api.get('/oauth2/clients');
    expect(listed.body.data.find((c: any) => c.id === registered.client_id)).toMatchObject({ name: 'Claude', client_type: 'public', registered: true });

    const { authorizationUrl, codeVerifier } = await startAuthorization(info.authorizationServerUrl, {
      metadata: info.authorizationServerMetadata, clientInformation: registered,
      // A loopback redirect on another port than registered (RFC 8252 §7.3).
      redirectUrl: 'http://localhost:50505/callback', scope: 'findings:read', state: 'st', resource: new URL(`${origin}/mcp`),
    });
    // The browser part: a user signed in on the tenant host gives consent through the JSON endpoints.
    const { back, clientName } = await consentAsViewer(authorizationUrl);
    expect(clientName).toBe('Claude');
    expect(back.origin + back.pathname).toBe('http://localhost:50505/callback');
    const tokens = await exchangeAuthorization(info.authorizationServerUrl, {
      metadata: info.authorizationServerMetadata, clientInformation: registered, authorizationCode: back.searchParams.get('code')!,
      codeVerifier, redirectUri: 'http://localhost:50505/callback', iss: back.searchParams.get('iss')!, resource: new URL(`${origin}/mcp`), fetchFn: tenantFetch,
    });
    expect(tokens.scope).toBe('findings:read');
    // The token works at /mcp on the tenant's host and on the bare host, and the REST API honours its scope.
    const mcp = await tenantFetch(`${origin}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });
    expect(mcp.status).toBe(200);
    // Its tools reach the data (the MCP endpoint's own calls to the REST routes), within its scope.
    const call = async (name: string, args: Record<string, unknown>) => {
      const res = await tenantFetch(`${origin}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: args } }),
      });
      expect(res.status).toBe(200);
      // An SSE stream of one message, or plain JSON.
      const text = await res.text();
      const json = text.startsWith('{') ? text : text.split('\n').find((l) => l.startsWith('data: '))!.slice(6);
      return (JSON.parse(json) as any).result as { isError?: boolean; content: { text: string }[] };
    };
    expect((await call('search_findings', {})).isError ?? false).toBe(false);
    const refused = await call('create_finding', { project_id: 'proj_00000000000000000000000000', title: 'x', severity: 'Low' });
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toMatch(/FORBIDDEN|permission|scope/i);
    // Issued for the MCP endpoint (RFC 8707), it is not a token for the REST API.
    const api = client(s.server.url, tokens.access_token);
    const rest = await api.get('/findings');
    expect(rest.status).toBe(401);
    expect(rest.body.error.code).toBe('INVALID_TOKEN');
    // Nor does a header copied from an MCP call's own requests make it one: the key never leaves the process.
    const forged = await fetch(`${s.server.url}/findings`, { headers: { authorization: `Bearer ${tokens.access_token}`, 'x-neuro-inner-call': 'guess' } });
    expect(forged.status).toBe(401);
  });

  it('takes a client ID metadata document as the client (its https URL as client_id), and an admin who removes it keeps it out', async () => {
    const clientId = 'https://mcp-client.example/oauth/client.json';
    const redirect = 'http://localhost:50606/callback';
    const documents = new Map<string, unknown>([[clientId, {
      client_id: clientId, client_name: 'Example MCP client', redirect_uris: [redirect],
      token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    }]]);
    // The document is served from memory: oidc-provider fetches with the global fetch (https only,
    // and never a loopback address, so no test server could serve it).
    const realFetch = globalThis.fetch;
    const fetched: string[] = [];
    globalThis.fetch = (async (url: string | URL | Request, init?: RequestInit) => {
      const href = typeof url === 'string' ? url : url instanceof URL ? url.href : url.url;
      if (!documents.has(href)) return realFetch(url, init);
      fetched.push(href);
      return new Response(JSON.stringify(documents.get(href)), { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'max-age=60' } });
    }) as typeof fetch;
    try {
      const as = await (await tenantFetch(`${origin}/.well-known/oauth-authorization-server`)).json() as Record<string, any>;
      expect(as.client_id_metadata_document_supported).toBe(true);
      const { authorizationUrl, codeVerifier } = await startAuthorization(`${origin}/api/v1/auth/oauth2`, {
        metadata: as as never, clientInformation: { client_id: clientId },
        redirectUrl: redirect, scope: 'findings:read', state: 'st', resource: new URL(`${origin}/mcp`),
      });
      const { back, clientName, cookie } = await consentAsViewer(authorizationUrl);
      expect(fetched).toEqual([clientId]);
      expect(clientName).toBe('Example MCP client');
      const tokens = await exchangeAuthorization(`${origin}/api/v1/auth/oauth2`, {
        metadata: as as never, clientInformation: { client_id: clientId }, authorizationCode: back.searchParams.get('code')!,
        codeVerifier, redirectUri: redirect, iss: back.searchParams.get('iss')!, resource: new URL(`${origin}/mcp`), fetchFn: tenantFetch,
      });
      const mcp = (token: string) => tenantFetch(`${origin}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      expect((await mcp(tokens.access_token)).status).toBe(200);
      // The tenant's admins see it among their apps; removing it ends its tokens and keeps it out.
      const listed = await s.api.get('/oauth2/clients');
      expect(listed.body.data.find((c: any) => c.id === clientId)).toMatchObject({ name: 'Example MCP client', client_type: 'public', registered: true });
      expect((await s.api.del(`/oauth2/clients/${encodeURIComponent(clientId)}`)).status).toBe(204);
      expect((await mcp(tokens.access_token)).status).toBe(401);
      const again = await tenantFetch(authorizationUrl.href, { redirect: 'manual', headers: { cookie: cookie() } });
      expect(again.status).not.toBe(303);
      // Another tenant never sees it.
      const t2 = await s.server.createTenant();
      expect((await client(s.server.url, t2.token).get('/oauth2/clients')).body.data.find((c: any) => c.id === clientId)).toBeUndefined();
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it('refuses a DCR client with a redirect URI of another scheme than https or loopback http', async () => {
    const res = await tenantFetch(`${origin}/api/v1/auth/oauth2/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://evil.example/callback'], token_endpoint_auth_method: 'none', client_name: 'x' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toBe('invalid_redirect_uri');
  });
});
