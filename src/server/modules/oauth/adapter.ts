import { createHmac } from 'node:crypto';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Database } from '../../../db/driver.js';
import { oauthKey } from '../../lib/oauth-keys.js';
import type { TokenService } from '../../lib/principal.js';
import { SCOPES } from '../../lib/scopes.js';
import { admitTenant, currentScope } from './context.js';
import * as repo from './repo.js';

export interface AdapterDeps {
  db: Database;
  secret: string;
  tokens: Pick<TokenService, 'forget'>;
}

/** The client secret's keyed hash: what is stored, and what a presented secret is compared as. */
export function clientSecretHash(secret: string, clientSecret: string): string {
  return createHmac('sha256', secret).update(`oauth-client:${clientSecret}`).digest('base64url');
}

/** Models whose id is the secret a client presents. */
const SECRET_IDS = new Set(['AccessToken', 'ClientCredentials', 'AuthorizationCode', 'RefreshToken']);

const LOOPBACK_HTTP = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//;

/** Our client row as oidc-provider's client metadata (the secret as its hash: see compareClientSecret). */
export function clientMetadata(c: repo.ClientRow, roleScopes: (role: string) => readonly string[]): AdapterPayload {
  // A client acting as a service account (client_credentials) never gets more than that account's role.
  const scopes = c.service_account_id
    ? c.scopes.filter((s) => c.sa_role !== null && (roleScopes(c.sa_role).includes(s)))
    : c.scopes;
  const grantTypes = ['authorization_code', 'refresh_token'];
  if (c.service_account_id && c.client_type === 'confidential') grantTypes.push('client_credentials');
  return {
    client_id: c.id,
    client_name: c.name,
    ...(c.secret_hash ? { client_secret: c.secret_hash } : {}),
    redirect_uris: c.redirect_uris,
    response_types: c.redirect_uris.length > 0 ? ['code'] : [],
    grant_types: c.redirect_uris.length > 0 ? grantTypes : grantTypes.filter((g) => g === 'client_credentials'),
    token_endpoint_auth_method: c.auth_method,
    // RFC 8252: a loopback redirect URI matches on any port (native apps and CLI clients such as
    // MCP clients listen on a port of the moment).
    application_type: c.redirect_uris.some((u) => LOOPBACK_HTTP.test(u)) ? 'native' : 'web',
    scope: scopes.join(' '),
  };
}

/**
 * oidc-provider's storage in PostgreSQL: one table (oauth_store) for every model, keyed by the HMAC
 * of model and id, each row in the tenant of the request (context.ts); clients come from
 * oauth_clients. Removing a token, or every token of a grant, also drops it from the API's
 * credential cache at once (and, with Redis, on the other instances).
 */
export function createAdapterClass(deps: AdapterDeps, roleScopes: (role: string) => readonly string[]) {
  const { db, secret, tokens } = deps;

  return class PgAdapter implements Adapter {
    constructor(private readonly name: string) {}

    private key(id: string) {
      return oauthKey(secret, this.name, id);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const tenantId = currentScope().tenantId;
      if (!tenantId) throw new Error('OAuth object written before its tenant is known');
      if (this.name === 'Client') return this.registerClient(tenantId, id, payload);
      const stored: Record<string, unknown> = { ...payload };
      // The id of a code or token is its secret: never stored, put back from the lookup on find.
      if (SECRET_IDS.has(this.name)) delete stored.jti;
      const grantId = this.name === 'Grant' ? id : ((payload.grantId as string | undefined) ?? null);
      await db.tenant(tenantId, (q) => repo.upsertStored(q, tenantId, {
        key: this.key(id),
        model: this.name,
        grantId,
        uidKey: typeof payload.uid === 'string' ? this.key(`uid:${payload.uid}`) : null,
        clientId: (payload.clientId as string | undefined) ?? null,
        accountId: (payload.accountId as string | undefined) ?? null,
        payload: stored,
        expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      }));
    }

    /** Dynamic client registration (RFC 7591): the client lands in the request's tenant. */
    private async registerClient(tenantId: string, id: string, payload: AdapterPayload) {
      const method = (payload.token_endpoint_auth_method as string | undefined) ?? 'client_secret_basic';
      const confidential = method !== 'none';
      const requested = typeof payload.scope === 'string' ? payload.scope.split(' ') : [...SCOPES];
      await db.tenant(tenantId, (q) => repo.insertClient(q, tenantId, {
        id,
        name: (payload.client_name as string | undefined)?.slice(0, 200) || 'Unnamed app',
        clientType: confidential ? 'confidential' : 'public',
        authMethod: method as repo.NewClient['authMethod'],
        redirectUris: (payload.redirect_uris as string[] | undefined) ?? [],
        scopes: requested.filter((s) => (SCOPES as readonly string[]).includes(s)),
        secretHash: confidential && payload.client_secret ? clientSecretHash(secret, payload.client_secret as string) : null,
        serviceAccountId: null,
        registered: true,
        createdBy: null,
      }));
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === 'Client') return this.findClient(id);
      const row = await db.system((q) => repo.findStored(q, this.key(id)));
      return row && this.present(row, id);
    }

    private async findClient(id: string): Promise<AdapterPayload | undefined> {
      // An https URL is a client ID metadata document's: oidc-provider fetches it (provider.ts).
      if (id.length > 64 || id.startsWith('https://')) return undefined;
      const tenantId = await db.system((q) => repo.clientTenant(q, id));
      if (!tenantId || !admitTenant(tenantId)) return undefined;
      const row = await db.tenant(tenantId, (q) => repo.getClient(q, tenantId, id));
      return row && clientMetadata(row, roleScopes);
    }

    private present(row: repo.StoredRow, id?: string): AdapterPayload | undefined {
      if (!admitTenant(row.tenant_id)) return undefined;
      if (row.expires_at !== null && new Date(row.expires_at).getTime() <= Date.now()) return undefined;
      const payload: AdapterPayload = { ...row.payload };
      if (id !== undefined && SECRET_IDS.has(this.name)) payload.jti = id;
      if (row.consumed_at !== null) payload.consumed = Math.floor(new Date(row.consumed_at).getTime() / 1000);
      return payload;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const row = await db.system((q) => repo.findStoredByUid(q, this.key(`uid:${uid}`)));
      return row && this.present(row);
    }

    async findByUserCode(): Promise<AdapterPayload | undefined> {
      return undefined; // the device flow is not enabled
    }

    /**
     * oidc-provider reads a code or refresh token, sees it unused, then consumes it: two requests
     * at once would both see it unused. Taking it here is atomic, and the request that comes
     * second is treated as the reuse it is (RFC 6749 §4.1.2, refresh token rotation): the grant
     * and every token it gave are revoked, and the request fails with invalid_grant.
     */
    async consume(id: string): Promise<void> {
      const tenantId = currentScope().tenantId;
      if (!tenantId) return;
      const { first, grantId } = await db.tenant(tenantId, (q) => repo.consumeStored(q, tenantId, this.key(id)));
      if (first) return;
      if (grantId) await this.revokeByGrantId(grantId);
      throw new errors.InvalidGrant(`${this.name === 'RefreshToken' ? 'refresh token' : 'authorization code'} already used`);
    }

    async destroy(id: string): Promise<void> {
      const tenantId = currentScope().tenantId;
      if (!tenantId) return;
      const gone = await db.tenant(tenantId, (q) => repo.destroyStored(q, tenantId, this.key(id)));
      if (gone && (gone.model === 'AccessToken' || gone.model === 'ClientCredentials')) {
        tokens.forget([gone.model === 'AccessToken' ? `oauth:${gone.grant_id}` : `oauth:${gone.client_id}`]);
      }
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const tenantId = currentScope().tenantId;
      if (!tenantId) return;
      await db.tenant(tenantId, (q) => repo.destroyGrant(q, tenantId, grantId));
      tokens.forget([`oauth:${grantId}`]);
    }
  };
}
