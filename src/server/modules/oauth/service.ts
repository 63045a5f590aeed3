import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../types.js';
import type { Caller } from '../../lib/caller.js';
import { fieldError, found, NotFoundError } from '../../lib/errors.js';
import { recordEvent } from '../../lib/events.js';
import { newId } from '../../lib/ids.js';
import { listRows, type ListQuery } from '../../lib/list.js';
import { grants as scopeGrants, roleAllows, type Scope, isScope } from '../../lib/scopes.js';
import { clientSecretHash } from './adapter.js';
import { oauthScope } from './context.js';
import { resourcesOf } from './provider.js';
import * as repo from './repo.js';
import * as lists from './lists.js';
import { providersOf } from './shared.js';

/** What each scope lets an app do, in the words of the API documentation. */
export const SCOPE_WORDS: Record<Scope, string> = {
  'projects:read': 'View projects',
  'projects:write': 'Create and edit projects',
  'findings:read': 'View findings',
  'findings:write': 'Create and edit findings',
  'reports:read': 'View and download reports',
  'reports:write': 'Generate reports',
  'assets:read': 'View assets',
  'assets:write': 'Create and edit assets',
  'clients:read': 'View clients',
  'clients:write': 'Create and edit clients',
  'users:read': 'View users',
  'users:write': 'Manage users',
  'webhooks:read': 'View webhooks',
  'webhooks:write': 'Manage webhooks',
  admin: 'Administrative access: everything you can do',
};

export interface ClientInput {
  name: string;
  client_type: 'confidential' | 'public';
  redirect_uris?: string[];
  scopes: string[];
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
  service_account_id?: string;
}

export function createOauthService(ctx: Pick<AppContext, 'db' | 'secret' | 'tokens' | 'config'> & AppContext) {
  const { db, secret, tokens } = ctx;

  /** The interaction (a pending authorization) of `uid` if it is the caller's tenant's. */
  async function interactionOf(caller: Caller, origin: string, uid: string) {
    const provider = await providersOf(ctx).get(origin);
    return oauthScope.run({ tenantId: caller.tenantId }, async () => {
      const interaction = await provider.Interaction.find(uid);
      if (!interaction || interaction.result) throw new NotFoundError('Authorization request');
      const clientId = interaction.params.client_id as string;
      const client = await db.tenant(caller.tenantId, (q) => repo.getClient(q, caller.tenantId, clientId));
      if (!client) throw new NotFoundError('Authorization request');
      return { provider, interaction, client };
    });
  }

  /** The scopes asked for; none asked means what the client may have, without `admin`. */
  function requested(params: Record<string, unknown>, client: repo.ClientRow): string[] {
    const asked = typeof params.scope === 'string' ? params.scope.split(' ').filter(Boolean) : [];
    return asked.length > 0 ? [...new Set(asked)] : client.scopes.filter((s) => s !== 'admin');
  }

  return {
    async getInteraction(caller: Caller, origin: string, uid: string) {
      const { interaction, client } = await interactionOf(caller, origin, uid);
      const role = caller.principal!.role;
      const tenant = await db.system((q) => q.query<{ slug: string; name: string }>('SELECT slug, name FROM tenants WHERE id = $1', [caller.tenantId]));
      return {
        uid,
        client: { id: client.id, name: client.name, redirect_uri: String(interaction.params.redirect_uri ?? '') },
        tenant: tenant.rows[0]!,
        scopes: requested(interaction.params, client).map((s) => ({
          scope: s,
          description: isScope(s) ? SCOPE_WORDS[s] : s,
          allowed: isScope(s) && roleAllows(role, s),
        })),
      };
    },

    /**
     * The user's answer: a grant of the requested scopes (refused with invalid_scope when their role
     * does not hold one of them, RFC 6749 §4.1.2.1), or access_denied. Returns where the browser goes.
     */
    async finishInteraction(caller: Caller, origin: string, uid: string, allow: boolean): Promise<string> {
      const { provider, interaction, client } = await interactionOf(caller, origin, uid);
      const principal = caller.principal!;
      return oauthScope.run({ tenantId: caller.tenantId }, async () => {
        let result: Record<string, unknown>;
        const scopes = requested(interaction.params, client);
        const beyond = scopes.filter((s) => !isScope(s) || !roleAllows(principal.role, s));
        if (!allow) {
          result = { error: 'access_denied', error_description: 'The user denied the request' };
        } else if (beyond.length > 0) {
          result = { error: 'invalid_scope', error_description: `Your role does not permit: ${beyond.join(' ')}` };
        } else {
          const grant = new provider.Grant({ accountId: principal.userId!, clientId: client.id });
          const asked = interaction.params.resource;
          const resources = resourcesOf(origin);
          const resource = typeof asked === 'string' && (asked === resources.mcp || asked === resources.api) ? asked : resources.api;
          // Our scopes are both the server's declared scopes (what oidc-provider checks requests and
          // client metadata against) and the resource's (what goes into its access tokens).
          grant.addOIDCScope(scopes.join(' '));
          grant.addResourceScope(resource, scopes.join(' '));
          const grantId = await grant.save();
          result = { login: { accountId: principal.userId! }, consent: { grantId } };
        }
        interaction.result = result;
        await interaction.save(Math.max(1, interaction.exp - Math.floor(Date.now() / 1000)));
        return interaction.returnTo;
      });
    },

    listClients: (caller: Caller, query: ListQuery) =>
      db.tenant(caller.tenantId, (q) => listRows(q, lists.clients, caller.tenantId, { ...query, live: 'true' })),

    async getClient(caller: Caller, id: string): Promise<string> {
      return found(await db.tenant(caller.tenantId, (q) => lists.clientJson(q, caller.tenantId, id)), 'OAuth client');
    },

    async createClient(caller: Caller, input: ClientInput): Promise<string> {
      const confidential = input.client_type === 'confidential';
      const redirectUris = input.redirect_uris ?? [];
      if (!confidential && redirectUris.length === 0) throw fieldError('redirect_uris', 'a public client needs at least one redirect URI');
      if (!confidential && input.service_account_id) throw fieldError('service_account_id', 'only a confidential client can act as a service account');
      if (confidential && !input.service_account_id && redirectUris.length === 0) {
        throw fieldError('redirect_uris', 'give redirect URIs (authorization code) or a service account (client credentials)');
      }
      // Nobody grants more than they have: the creator's rights, and the service account's role.
      const caller_ = caller.principal!;
      for (const s of input.scopes as Scope[]) {
        if (!scopeGrants(caller_.scopes, s) || !roleAllows(caller_.role, s)) throw fieldError('scopes', `you do not hold ${s}`);
      }
      const secretValue = confidential ? `nf_cs_${randomBytes(32).toString('base64url')}` : null;
      const id = newId('oac');
      return db.tenantTx(caller.tenantId, async (q) => {
        if (input.service_account_id) {
          const sa = await q.query<{ role: string }>(
            'SELECT role FROM service_accounts WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL', [caller.tenantId, input.service_account_id],
          );
          const role = sa.rows[0]?.role;
          if (!role) throw fieldError('service_account_id', 'no such service account');
          const beyond = input.scopes.filter((s) => !roleAllows(role as never, s as Scope));
          if (beyond.length > 0) throw fieldError('scopes', `the service account's role does not permit ${beyond.join(', ')}`);
        }
        await repo.insertClient(q, caller.tenantId, {
          id,
          name: input.name,
          clientType: input.client_type,
          authMethod: confidential ? (input.token_endpoint_auth_method ?? 'client_secret_basic') : 'none',
          redirectUris,
          scopes: input.scopes,
          secretHash: secretValue ? clientSecretHash(secret, secretValue) : null,
          serviceAccountId: input.service_account_id ?? null,
          registered: false,
          createdBy: caller_.userId,
        });
        const json = (await lists.clientJson(q, caller.tenantId, id))!;
        await recordEvent(q, caller, { type: 'oauth_client.created', objectType: 'oauth_client', objectId: id, data: json });
        // The secret goes into this one response only.
        return `${json.slice(0, -1)},"client_secret":${JSON.stringify(secretValue)}}`;
      });
    },

    /** Deletes the client and every grant, code and token it holds. */
    async deleteClient(caller: Caller, id: string): Promise<void> {
      const grantIds = await db.tenantTx(caller.tenantId, async (q) => {
        const json = await lists.clientJson(q, caller.tenantId, id);
        if (!json) return undefined;
        await q.query('UPDATE oauth_clients SET deleted_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2', [caller.tenantId, id]);
        const { rows } = await q.query<{ grant_id: string | null }>(
          'DELETE FROM oauth_store WHERE tenant_id = $1 AND client_id = $2 RETURNING grant_id', [caller.tenantId, id],
        );
        await recordEvent(q, caller, { type: 'oauth_client.deleted', objectType: 'oauth_client', objectId: id, data: json });
        return [...new Set(rows.flatMap((r) => (r.grant_id ? [r.grant_id] : [])))];
      });
      const ids = found(grantIds, 'OAuth client');
      tokens.forget([`oauth:${id}`, ...ids.map((g) => `oauth:${g}`)]);
    },

    listGrants: (caller: Caller, query: ListQuery, userId?: string) =>
      db.tenant(caller.tenantId, (q) => listRows(q, lists.grants, caller.tenantId, { ...query, live: 'true' }, {
        model: 'Grant', ...(userId ? { account_id: userId } : {}),
      })),

    /** Revokes a grant and every token issued under it (the user's own unless `userId` is undefined: admins). */
    async revokeGrant(caller: Caller, id: string, userId?: string): Promise<void> {
      const removed = await db.tenantTx(caller.tenantId, async (q) => {
        const { rows } = await q.query<{ account_id: string | null; client_id: string | null }>(
          `SELECT account_id, client_id FROM oauth_store WHERE tenant_id = $1 AND model = 'Grant' AND id = $2
             AND (expires_at IS NULL OR expires_at > now())`, [caller.tenantId, id],
        );
        const grant = rows[0];
        if (!grant || (userId !== undefined && grant.account_id !== userId)) return false;
        await repo.destroyGrant(q, caller.tenantId, id);
        await recordEvent(q, caller, {
          type: 'oauth_grant.revoked', objectType: 'oauth_grant', objectId: id, data: { id, client_id: grant.client_id, user_id: grant.account_id },
        });
        return true;
      });
      if (!removed) throw new NotFoundError('Grant');
      tokens.forget([`oauth:${id}`]);
    },
  };
}
