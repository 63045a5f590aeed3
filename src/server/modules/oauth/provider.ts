import { createHmac, timingSafeEqual as cryptoEqual } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { newId } from '../../lib/ids.js';
import { ROLE_SCOPES, ROLES, SCOPES, type Role } from '../../lib/scopes.js';
import { clientSecretHash, createAdapterClass, type AdapterDeps } from './adapter.js';
import { admitTenant, currentScope } from './context.js';
import * as repo from './repo.js';

/** Where the authorization server lives under an origin. */
export const OAUTH_PATH = '/api/v1/auth/oauth2';
const HOUR = 3600;
const DAY = 24 * HOUR;

const roleScopes = (role: string): readonly string[] => ((ROLES as readonly string[]).includes(role) ? ROLE_SCOPES[role as Role] : []);

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function redirectAllowed(uri: string): boolean {
  try {
    const u = new URL(uri);
    if (u.protocol === 'https:') return true;
    if (u.protocol === 'http:') return LOOPBACK.has(u.hostname);
    return !['javascript:', 'data:', 'file:', 'vbscript:'].includes(u.protocol);
  } catch {
    return false;
  }
}

/** The protected resources an origin serves: the REST API and the MCP endpoint (RFC 8707 indicators). */
export function resourcesOf(origin: string) {
  return { api: `${origin}/api/v1`, mcp: `${origin}/mcp` };
}

export interface ProviderDeps extends AdapterDeps {
  /** Fastify's trustProxy is on: believe X-Forwarded-Proto/Host as Fastify does. */
  proxy: boolean;
  /** Where a client arriving on a host without a tenant part lands (as dynamic registration does). */
  bootstrapTenantId: () => Promise<string | null>;
}

/**
 * One oidc-provider instance per issuer origin (`https://acme.example.com` → issuer
 * `https://acme.example.com/api/v1/auth/oauth2`), made on first use and kept. They share one
 * storage (adapter.ts) and one signing key; what differs is the issuer and the resources.
 */
export function createProviders(deps: ProviderDeps) {
  const providers = new Map<string, Promise<Provider>>();
  const Adapter = createAdapterClass(deps, roleScopes);
  const cookieKey = createHmac('sha256', deps.secret).update('oauth-cookies').digest('base64url');
  // oidc-provider needs a signing key for what it may sign (we issue opaque tokens and no ID
  // tokens, so nothing is signed with it): one per process, not persisted.
  const jwks = (async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    return { keys: [{ ...(await exportJWK(privateKey)), kid: 'oauth-es256', alg: 'ES256', use: 'sig' }] };
  })();

  async function make(origin: string): Promise<Provider> {
    const resources = resourcesOf(origin);
    const configuration: Configuration = {
      adapter: Adapter,
      jwks: (await jwks) as Configuration['jwks'],
      cookies: { keys: [cookieKey] },
      clientDefaults: { id_token_signed_response_alg: 'ES256', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
      scopes: [...SCOPES],
      claims: { openid: ['sub'] },
      clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
      responseTypes: ['code'],
      pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
      ttl: {
        AccessToken: HOUR,
        ClientCredentials: HOUR,
        // RFC 6749 §4.1.2 recommends at most ten minutes; ours are single-use and live a minute.
        AuthorizationCode: 60,
        RefreshToken: 30 * DAY,
        Grant: 30 * DAY,
        Interaction: 10 * 60,
        Session: 10 * 60,
      },
      rotateRefreshToken: true,
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      // Every authorization shows the consent screen, which is where the user's web session is
      // checked: oidc-provider's own session never lets a request through on its own.
      // (The grant the consent screen just made is the one resumed with.)
      loadExistingGrant: async (ctx) => {
        const grantId = ctx.oidc.result?.consent?.grantId;
        return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
      },
      routes: {
        authorization: '/authorize', token: '/token', revocation: '/revoke', introspection: '/introspect', registration: '/register',
        jwks: '/jwks',
      },
      interactions: { url: (_ctx, interaction) => `/oauth/consent/${interaction.uid}` },
      findAccount: async (_ctx, sub) => {
        const tenantId = currentScope().tenantId;
        if (!tenantId) return undefined;
        const user = await deps.db.tenant(tenantId, (q) => repo.activeUser(q, tenantId, sub));
        return user ? { accountId: user.id, claims: () => ({ sub: user.id }) } : undefined;
      },
      // Redirect URIs, also of self-registered clients: https, http on a loopback host only (native
      // and CLI apps, RFC 8252), or an app's own scheme; never plain http to another host.
      extraClientMetadata: {
        properties: ['neuro_redirect_check'],
        validator: (_ctx, key, _value, metadata) => {
          if (key !== 'neuro_redirect_check') return;
          for (const uri of (metadata.redirect_uris as string[] | undefined) ?? []) {
            if (!redirectAllowed(uri)) throw new errors.InvalidRedirectUri('redirect_uris must use https, http on a loopback host, or an app scheme');
          }
        },
      },
      clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((u) => {
        try {
          return new URL(u).origin === origin;
        } catch {
          return false;
        }
      }) ?? false,
      features: {
        devInteractions: { enabled: false },
        userinfo: { enabled: false },
        rpInitiatedLogout: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: {
          enabled: true,
          // A client learns about its own tokens only.
          allowedPolicy: async (ctx: KoaContextWithOIDC, client, token) => token.clientId === client.clientId && ctx.oidc.client !== undefined,
        },
        // A client revokes its own tokens only (for another's, RFC 7009 §2.2's 200 without effect).
        revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
        registration: {
          enabled: true,
          idFactory: () => newId('oac'),
        },
        // Client ID metadata documents (the MCP authorization spec's preferred registration): a
        // client_id that is an https URL is fetched there (https only, special-use and private
        // addresses refused, 5 kB at most, cached as its Cache-Control says within 30 s – 1 day),
        // public clients only. It joins the tenant as a row of oauth_clients (tokens, grants and the
        // admins' list need one), and an admin who removes it keeps it out.
        clientIdMetadataDocument: {
          enabled: true,
          ack: 'draft-02',
          allowClient: async (_ctx, client) => {
            const scope = currentScope();
            const tenantId = scope.tenantId ?? (await deps.bootstrapTenantId());
            if (!tenantId || !admitTenant(tenantId)) return false;
            const name = (client.clientName ?? new URL(client.clientId).host).slice(0, 200);
            return deps.db.tenant(tenantId, (q) =>
              repo.admitMetadataClient(q, tenantId, { id: client.clientId, name, redirectUris: [...(client.redirectUris ?? [])], scopes: SCOPES }));
          },
        },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => resources.api,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, indicator, client) => {
            if (indicator !== resources.api && indicator !== resources.mcp) throw new errors.InvalidTarget();
            return {
              scope: client.scope ?? SCOPES.join(' '),
              audience: indicator,
              accessTokenFormat: 'opaque',
              accessTokenTTL: HOUR,
            };
          },
        },
      },
      renderError: async (ctx, out) => {
        ctx.type = 'json';
        ctx.body = out;
      },
    };
    const provider = new Provider(`${origin}${OAUTH_PATH}`, configuration);
    provider.proxy = deps.proxy;
    // Client secrets are stored as their keyed hash (adapter.ts): a presented one is hashed first.
    const secret = deps.secret;
    provider.Client.prototype.compareClientSecret = function compare(this: { clientSecret?: string }, actual: string) {
      const expected = this.clientSecret;
      if (!expected) return false;
      const a = Buffer.from(clientSecretHash(secret, actual));
      const b = Buffer.from(expected);
      return a.length === b.length && cryptoEqual(a, b);
    };
    return provider;
  }

  return {
    /** The provider of an origin (`http://acme.localhost:8080`). */
    get(origin: string): Promise<Provider> {
      let p = providers.get(origin);
      if (!p) {
        // Only hosts that passed the host check and name an existing tenant (or none) get here;
        // still, an unbounded set of names must not grow without end.
        if (providers.size >= 1000) providers.delete(providers.keys().next().value!);
        p = make(origin);
        providers.set(origin, p);
      }
      return p;
    },
  };
}
