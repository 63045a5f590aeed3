import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

/**
 * Identity providers for the SSO tests, on loopback: oidc-provider itself (a certified OpenID
 * Provider, with its development login and consent pages) as the team's IdP, and a tiny fake one
 * whose token endpoint hands out ID tokens that are wrong on purpose (forged, expired, …).
 */
export interface Account {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** login name (what the IdP's sign-in form takes) → the claims it vouches for. */
  accounts: Map<string, Account>;
  close(): Promise<void>;
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** oidc-provider on 127.0.0.1 with one confidential client whose redirect URIs are `redirectUris`. */
export async function startIdp(redirectUris: string[]): Promise<TestIdp> {
  const accounts = new Map<string, Account>();
  const server = http.createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = `neuro-${randomBytes(4).toString('hex')}`;
  const clientSecret = randomBytes(24).toString('hex');
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId, client_secret: clientSecret, redirect_uris: redirectUris,
      grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic',
    }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    async findAccount(_ctx, id) {
      const a = accounts.get(id) ?? { email: `${id}@acme.test`, email_verified: true, name: id };
      return { accountId: id, claims: async () => ({ sub: id, ...a }) };
    },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    features: { devInteractions: { enabled: true } },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
  });
  // The development-only warnings are expected here.
  provider.on('server_error', (_ctx, err) => console.error('idp server_error', err));
  server.on('request', provider.callback());
  return { issuer, clientId, clientSecret, accounts, close: () => closeServer(server) };
}

export type FakeMode = 'ok' | 'forged' | 'expired' | 'wrong-nonce' | 'wrong-audience' | 'unverified';

export interface FakeIdp {
  issuer: string;
  clientId: string;
  mode: FakeMode;
  email: string;
  close(): Promise<void>;
}

/**
 * Discovery, JWKS, an authorization endpoint that answers at once with a code, and a token
 * endpoint signing the ID token as `mode` says: `forged` with a key that is not in the JWKS (but
 * the JWKS key's kid), `expired` an hour ago, `wrong-nonce`, `wrong-audience`.
 */
export async function startFakeIdp(): Promise<FakeIdp> {
  const real = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(real.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const nonces = new Map<string, string>();
  const server = http.createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const idp: FakeIdp = { issuer, clientId: 'fake-client', mode: 'ok', email: 'fake@acme.test', close: () => closeServer(server) };
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'], token_endpoint_auth_methods_supported: ['client_secret_basic', 'none'],
      });
    }
    if (url.pathname === '/jwks') return json(res, 200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      const code = randomBytes(8).toString('hex');
      nonces.set(code, url.searchParams.get('nonce') ?? '');
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        void (async () => {
          const code = new URLSearchParams(body).get('code') ?? '';
          const nonce = nonces.get(code);
          if (nonce === undefined) return json(res, 400, { error: 'invalid_grant' });
          nonces.delete(code);
          const now = Math.floor(Date.now() / 1000);
          const m = idp.mode;
          const idToken = await new SignJWT({
            email: idp.email, email_verified: m !== 'unverified', name: 'Fake Person',
            nonce: m === 'wrong-nonce' ? 'not-the-nonce' : nonce,
          })
            .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
            .setIssuer(issuer)
            .setSubject('fake-subject')
            .setAudience(m === 'wrong-audience' ? 'someone-else' : idp.clientId)
            .setIssuedAt(m === 'expired' ? now - 7200 : now)
            .setExpirationTime(m === 'expired' ? now - 3600 : now + 300)
            .sign(m === 'forged' ? other.privateKey : real.privateKey);
          json(res, 200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
        })();
      });
      return;
    }
    json(res, 404, { error: 'not_found' });
  });
  return idp;
}

/** A cookie jar per host for fetch with manual redirects (what a browser keeps). */
export class Jar {
  private readonly cookies = new Map<string, Map<string, string>>();

  header(url: string): string {
    const host = new URL(url).host;
    return [...(this.cookies.get(host) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  store(url: string, res: Response) {
    const host = new URL(url).host;
    const jar = this.cookies.get(host) ?? new Map<string, string>();
    this.cookies.set(host, jar);
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a)) || value === '';
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
  }

  get(url: string, name: string): string | undefined {
    return this.cookies.get(new URL(url).host)?.get(name);
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = this.header(url);
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    this.store(url, res);
    return res;
  }
}

/**
 * Walks a sign-in through the provider as a browser would: from `startUrl` (our /auth/sso/start)
 * through the IdP's login (as `login`) and consent pages, up to the response of our callback
 * (a 302 into the app or to the sign-in page), which it returns with its Location.
 */
export async function signInThroughIdp(jar: Jar, startUrl: string, login: string, opts: { stopAtCallback?: boolean } = {}) {
  let url = startUrl;
  let init: RequestInit = {};
  for (let i = 0; i < 20; i++) {
    if (opts.stopAtCallback && new URL(url).pathname === '/api/v1/auth/sso/callback') return { callbackUrl: url };
    const res = await jar.fetch(url, init);
    init = {};
    const location = res.headers.get('location');
    if (new URL(url).pathname === '/api/v1/auth/sso/callback' || (res.status < 300 && !new URL(url).pathname.startsWith('/interaction/'))) {
      return { status: res.status, location, url, body: await res.text() };
    }
    if (location) {
      url = new URL(location, url).href;
      continue;
    }
    const html = await res.text();
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (!prompt) throw new Error(`unexpected IdP page at ${url}: ${res.status} ${html.slice(0, 300)}`);
    const form = new URLSearchParams({ prompt, ...(prompt === 'login' ? { login, password: 'any' } : {}) });
    init = { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }
  throw new Error('too many redirects');
}
