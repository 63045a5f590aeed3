import * as client from 'openid-client';
import type { AppContext } from '../../types.js';
import type { Caller } from '../../lib/caller.js';
import { ConflictError, NotFoundError, ValidationError, fieldError, type FieldError } from '../../lib/errors.js';
import { recordEvent } from '../../lib/events.js';
import { deriveKey, keyedHash, seal, unseal } from '../../lib/sealed.js';
import { ROLES } from '../../lib/scopes.js';
import { VISIBLE_TEXT } from '../../lib/schemas.js';
import { tenantIdOfSlug } from '../auth/repo.js';
import { createAuthService, type RequestMeta, type SessionGrant } from '../auth/service.js';
import { createUserService } from '../users/service.js';
import { checkIssuerUrl, createProviders, safeReturnTo, type ProviderSettings } from './oidc.js';
import * as repo from './repo.js';

/** How long a sign-in may stay at the provider before its state expires. */
export const PENDING_SECONDS = 600;
export const CALLBACK_PATH = '/api/v1/auth/sso/callback';

/**
 * Why a sign-in through the provider ended without a session: a stable code the sign-in page turns
 * into words (`/sign-in?sso_error=…`). Never a 500 page for the browser.
 */
export type SsoErrorCode =
  | 'sso_not_enabled' | 'sso_state_invalid' | 'sso_cancelled' | 'sso_provider_error' | 'sso_provider_unreachable'
  | 'sso_token_invalid' | 'sso_email_missing' | 'sso_email_unverified' | 'sso_domain_not_allowed' | 'sso_account_inactive';

export class SsoError extends Error {
  constructor(readonly code: SsoErrorCode, readonly tenantSlug?: string, readonly detail?: string) {
    super(code);
  }
}

export interface SsoUpdateInput {
  issuer_url: string;
  client_id: string;
  client_secret?: string | null;
  display_name: string;
  allowed_domains: string[];
  default_role?: string;
  passwords_allowed?: boolean;
  enabled?: boolean;
}

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
const NAME_VISIBLE = new RegExp(VISIBLE_TEXT, 'u');

/** The settings as the API shows them: never the secret, only whether there is one. */
function present(row: repo.SsoSettingsRow | undefined, redirectUri: string) {
  return {
    configured: row !== undefined,
    enabled: row?.enabled ?? false,
    display_name: row?.display_name ?? null,
    issuer_url: row?.issuer_url ?? null,
    client_id: row?.client_id ?? null,
    client_secret_set: Boolean(row?.client_secret),
    allowed_domains: row?.allowed_domains ?? [],
    default_role: (row?.default_role ?? 'viewer') as (typeof ROLES)[number],
    passwords_allowed: row?.passwords_allowed ?? true,
    redirect_uri: redirectUri,
    updated_at: row?.updated_at ?? null,
  };
}

/** A name for an account the provider vouched for: its `name`, else given and family name, else the email's local part. */
function displayName(claims: Record<string, unknown>, email: string): string {
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const name = str(claims.name) || [str(claims.given_name), str(claims.family_name)].filter(Boolean).join(' ');
  const chosen = NAME_VISIBLE.test(name) ? name : email.split('@')[0]!;
  return [...chosen].slice(0, 200).join('');
}

/** An openid-client error in one line for the log: message, code and what caused it (never a token). */
function describe(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { message?: string; claim?: string } | unknown };
  const cause = e.cause as { message?: string; claim?: string } | undefined;
  const parts = [e.message, e.code, typeof cause?.message === 'string' ? cause.message : undefined, cause?.claim];
  return parts.filter((p): p is string => typeof p === 'string').join(' · ').slice(0, 300);
}

export function createSsoService(ctx: Pick<AppContext, 'db' | 'config' | 'keys' | 'tokens' | 'loginThrottle' | 'secret' | 'passwords'>) {
  const { db, config, secret } = ctx;
  const auth = createAuthService(ctx);
  const users = createUserService(ctx);
  const providers = createProviders();
  const stateKey = deriveKey(secret, 'sso-state');
  // Per tenant: a sealed secret copied into another tenant's row does not open there.
  const secretKey = (tenantId: string) => deriveKey(secret, `sso-client-secret:${tenantId}`);
  const verifierKey = deriveKey(secret, 'sso-pkce-verifier');

  function providerOf(tenantId: string, row: repo.SsoSettingsRow): ProviderSettings {
    return {
      tenantId,
      issuerUrl: row.issuer_url,
      clientId: row.client_id,
      clientSecret: row.client_secret ? unseal(secretKey(tenantId), row.client_secret) : null,
      version: row.updated_at,
    };
  }

  /** The tenant of a public SSO request: the host's, else `tenant`, else the bootstrap tenant (as /setup). */
  async function tenantOf(hostTenant: string | null, given: string | undefined) {
    if (hostTenant && given && hostTenant !== given) throw fieldError('tenant', 'differs from the tenant of the host name');
    const slug = hostTenant ?? given ?? config.bootstrapTenant;
    const id = await db.system((q) => tenantIdOfSlug(q, slug));
    return id ? { id, slug } : undefined;
  }

  async function recordFailure(tenantId: string, meta: RequestMeta, data: Record<string, unknown>, userId?: string) {
    const caller: Caller = { tenantId, principal: null, ip: meta.ip, userAgent: meta.userAgent, requestId: meta.requestId };
    await db.tenant(tenantId, (q) =>
      recordEvent(q, caller, {
        type: 'auth.login_failed',
        actor: userId ? { type: 'user', id: userId } : { type: 'anonymous', id: null },
        objectType: userId ? 'user' : undefined,
        objectId: userId,
        data: { method: 'sso', ...data },
      }),
    );
  }

  /** The checked values of a PUT, or every problem at once. */
  function validate(input: SsoUpdateInput) {
    const problems: FieldError[] = [];
    const issuer = checkIssuerUrl(input.issuer_url);
    if ('error' in issuer) problems.push({ field: 'issuer_url', message: issuer.error });
    const domains = input.allowed_domains.map((d) => d.trim().toLowerCase().replace(/^@/, ''));
    domains.forEach((d, i) => {
      if (!DOMAIN.test(d)) problems.push({ field: `allowed_domains[${i}]`, message: 'must be a domain name like example.com' });
    });
    if (new Set(domains).size !== domains.length) problems.push({ field: 'allowed_domains', message: 'must not list a domain twice' });
    if (input.client_id.trim() === '') problems.push({ field: 'client_id', message: 'must not be blank' });
    if (problems.length) throw new ValidationError(problems);
    return { issuerUrl: (issuer as { url: string }).url, domains };
  }

  return {
    async settings(caller: Caller, origin: string) {
      const row = await db.tenant(caller.tenantId, (q) => repo.getSettings(q, caller.tenantId));
      return present(row, `${origin}${CALLBACK_PATH}`);
    },

    /**
     * Creates or replaces the tenant's provider. The issuer is discovered first, so a typo is a
     * 400 on this form rather than a failed sign-in later.
     */
    async update(caller: Caller, input: SsoUpdateInput, origin: string) {
      const { issuerUrl, domains } = validate(input);
      const enabled = input.enabled ?? true;
      const before = await db.tenant(caller.tenantId, (q) => repo.getSettings(q, caller.tenantId));
      const clientSecret = input.client_secret === undefined
        ? (before?.client_secret ?? null)
        : input.client_secret === null ? null : seal(secretKey(caller.tenantId), input.client_secret);
      if (enabled) {
        try {
          await client.discovery(new URL(issuerUrl), input.client_id, undefined, undefined, {
            timeout: 10,
            execute: new URL(issuerUrl).protocol === 'http:' ? [client.allowInsecureRequests] : [],
          });
        } catch (err) {
          throw fieldError('issuer_url', `could not be discovered (${issuerUrl}/.well-known/openid-configuration): ${(err as Error).message}`);
        }
      }
      const values = {
        enabled, display_name: input.display_name.trim(), issuer_url: issuerUrl, client_id: input.client_id.trim(), client_secret: clientSecret,
        allowed_domains: domains, default_role: input.default_role ?? 'viewer', passwords_allowed: input.passwords_allowed ?? true,
      };
      const row = await db.tenantTx(caller.tenantId, async (q) => {
        const saved = await repo.putSettings(q, caller.tenantId, values);
        const changes: Record<string, { old: unknown; new: unknown }> = {};
        for (const k of ['enabled', 'display_name', 'issuer_url', 'client_id', 'allowed_domains', 'default_role', 'passwords_allowed'] as const) {
          const old = before?.[k] ?? null;
          if (JSON.stringify(old) !== JSON.stringify(saved[k])) changes[k] = { old, new: saved[k] };
        }
        // Whether the secret changed, never the secret.
        const secretChanged = input.client_secret !== undefined;
        const shown = present(saved, `${origin}${CALLBACK_PATH}`);
        await recordEvent(q, caller, {
          type: 'sso.settings_updated', objectType: 'sso_settings', objectId: caller.tenantId, changes,
          data: { ...shown, client_secret_changed: secretChanged },
        });
        return saved;
      });
      providers.forget(caller.tenantId);
      return present(row, `${origin}${CALLBACK_PATH}`);
    },

    async remove(caller: Caller) {
      const gone = await db.tenantTx(caller.tenantId, async (q) => {
        const deleted = await repo.deleteSettings(q, caller.tenantId);
        if (deleted) await recordEvent(q, caller, { type: 'sso.settings_deleted', objectType: 'sso_settings', objectId: caller.tenantId });
        return deleted;
      });
      providers.forget(caller.tenantId);
      if (!gone) throw new NotFoundError('SSO settings');
    },

    /** GET /auth/sso: whether the sign-in page shows "Sign in with …". */
    async status(hostTenant: string | null, given: string | undefined) {
      const tenant = await tenantOf(hostTenant, given);
      if (!tenant) throw new NotFoundError('Tenant');
      const row = await db.tenant(tenant.id, (q) => repo.getSettings(q, tenant.id));
      const on = Boolean(row?.enabled);
      return { tenant: tenant.slug, enabled: on, name: on ? row!.display_name : null, passwords_allowed: !on || row!.passwords_allowed };
    },

    /**
     * Starts a sign-in: a pending row (state hash, nonce, sealed PKCE verifier, where to land) and
     * the provider's authorization URL. `binding` goes into a cookie of the browser, so that only
     * the browser that started the sign-in can finish it (no login CSRF).
     */
    async start(hostTenant: string | null, given: string | undefined, returnTo: string | undefined, origin: string) {
      let tenant: Awaited<ReturnType<typeof tenantOf>>;
      try {
        tenant = await tenantOf(hostTenant, given);
      } catch {
        throw new SsoError('sso_not_enabled');
      }
      if (!tenant) throw new SsoError('sso_not_enabled');
      const row = await db.tenant(tenant.id, (q) => repo.getSettings(q, tenant.id));
      if (!row?.enabled) throw new SsoError('sso_not_enabled', tenant.slug);
      let configuration: client.Configuration;
      try {
        configuration = await providers.configuration(providerOf(tenant.id, row));
      } catch (err) {
        throw new SsoError('sso_provider_unreachable', tenant.slug, (err as Error).message);
      }
      const state = client.randomState();
      const nonce = client.randomNonce();
      const verifier = client.randomPKCECodeVerifier();
      const redirectUri = `${origin}${CALLBACK_PATH}`;
      await db.tenantTx(tenant.id, (q) =>
        repo.insertPendingLogin(q, tenant.id, {
          stateHash: keyedHash(stateKey, state), nonce, code_verifier: seal(verifierKey, verifier), redirect_uri: redirectUri,
          return_to: safeReturnTo(returnTo), seconds: PENDING_SECONDS,
        }),
      );
      const url = client.buildAuthorizationUrl(configuration, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      return { url: url.href, binding: `${tenant.id}.${state}`, tenantSlug: tenant.slug };
    },

    /**
     * The provider sent the browser back. Checks the browser binding and takes the pending sign-in
     * (once), then lets openid-client exchange the code (PKCE) and verify the ID token (signature by
     * the provider's JWKS, issuer, audience, nonce, expiry); then the account: by verified email
     * within the tenant, or a new one with the default role when the domain is allowed. The session
     * is made by the auth service exactly as a password login makes it.
     */
    async callback(query: Record<string, unknown>, binding: string | undefined, hostTenant: string | null, meta: RequestMeta): Promise<{ grant: SessionGrant; returnTo: string }> {
      const [tenantId, boundState] = binding?.split('.') ?? [];
      const state = typeof query.state === 'string' ? query.state : undefined;
      if (!tenantId || !boundState || !/^ten_[0-9a-z]+$/.test(tenantId)) throw new SsoError('sso_state_invalid');
      const slug = await db.system((q) => q.query<{ slug: string }>('SELECT slug FROM tenants WHERE id = $1', [tenantId])).then((r) => r.rows[0]?.slug);
      // On a tenant's host, only that tenant's sign-ins (its session cookie would not work here anyway).
      if (!slug || (hostTenant !== null && hostTenant !== slug)) throw new SsoError('sso_state_invalid');
      const fail = async (code: SsoErrorCode, data: Record<string, unknown> = {}, userId?: string): Promise<never> => {
        await recordFailure(tenantId, meta, { reason: code, ...data }, userId);
        throw new SsoError(code, slug, typeof data.detail === 'string' ? data.detail : undefined);
      };
      // The state in the URL must be the one this browser was given, and its pending row unused.
      const pending = state && state === boundState
        ? await db.tenant(tenantId, (q) => repo.claimPendingLogin(q, tenantId, keyedHash(stateKey, state)))
        : undefined;
      if (!pending) return fail('sso_state_invalid');
      if (typeof query.error === 'string') {
        return fail(query.error === 'access_denied' ? 'sso_cancelled' : 'sso_provider_error', { provider_error: query.error.slice(0, 200) });
      }
      const row = await db.tenant(tenantId, (q) => repo.getSettings(q, tenantId));
      if (!row?.enabled) return fail('sso_not_enabled');

      let configuration: client.Configuration;
      try {
        configuration = await providers.configuration(providerOf(tenantId, row));
      } catch (err) {
        return fail('sso_provider_unreachable', { detail: (err as Error).message });
      }
      const current = new URL(pending.redirect_uri);
      for (const [k, v] of Object.entries(query)) if (typeof v === 'string') current.searchParams.set(k, v);
      let claims: Record<string, unknown>;
      try {
        const tokens = await client.authorizationCodeGrant(configuration, current, {
          pkceCodeVerifier: unseal(verifierKey, pending.code_verifier),
          expectedNonce: pending.nonce,
          expectedState: state,
          idTokenExpected: true,
        });
        claims = { ...tokens.claims()! };
        if (typeof claims.email !== 'string' || claims.email_verified === undefined) {
          // Providers that keep the email out of the ID token (oidc-provider's default) give it at userinfo.
          const info = await client.fetchUserInfo(configuration, tokens.access_token, claims.sub as string);
          claims = { ...info, ...claims, email: claims.email ?? info.email, email_verified: claims.email_verified ?? info.email_verified };
        }
      } catch (err) {
        return fail('sso_token_invalid', { detail: describe(err) });
      }
      const subject = { issuer: row.issuer_url, subject: claims.sub };
      if (typeof claims.email !== 'string' || !claims.email.includes('@')) return fail('sso_email_missing', subject);
      const email = claims.email.trim().toLowerCase();
      if (claims.email_verified !== true) return fail('sso_email_unverified', { email, ...subject });
      const domain = email.slice(email.lastIndexOf('@') + 1);
      if (!row.allowed_domains.includes(domain)) return fail('sso_domain_not_allowed', { email, ...subject });

      let user = await db.tenant(tenantId, (q) => repo.userByEmail(q, tenantId, email));
      let created = false;
      if (!user) {
        const caller: Caller = { tenantId, principal: null, ip: meta.ip, userAgent: meta.userAgent, requestId: meta.requestId };
        try {
          await users.createExternal(caller, { email, name: displayName(claims, email), role: row.default_role });
          created = true;
        } catch (err) {
          // Two first sign-ins at once: the other one made the account.
          if (!(err instanceof ConflictError)) throw err;
        }
        user = await db.tenant(tenantId, (q) => repo.userByEmail(q, tenantId, email));
      }
      if (!user) return fail('sso_state_invalid', { email });
      if (!user.active) return fail('sso_account_inactive', { email, ...subject }, user.id);
      const grant = await auth.startSession(tenantId, user.id, email, meta, 'sso', { ...subject, user_created: created });
      return { grant, returnTo: pending.return_to };
    },
  };
}
