import { hash as digest } from 'node:crypto';
import type { Database, Queryable } from '../../../db/driver.js';
import { isWellFormedToken, hashToken, maskToken, generateToken } from '../../lib/tokens.js';
import { oauthKey, OPAQUE_TOKEN } from '../../lib/oauth-keys.js';
import { newId } from '../../lib/ids.js';
import { ROLES, SCOPES, type Role, type Scope } from '../../lib/scopes.js';
import type { KeyStore } from '../../lib/jwt.js';
import type { RevocationBus, RevocationMessage } from '../../lib/redis.js';
import type { NewTokenInput, Principal, TokenService, VerifyResult } from '../../lib/principal.js';
import * as repo from './repo.js';

interface CacheEntry {
  principal: Principal;
  /** When the credential stops working by itself (expiry, end of session, a rotation's grace). */
  expiresAt: number | null;
  revokedAt: number | null;
  cachedAt: number;
  lastUsedWrite: number;
}

/**
 * Without a revocation broadcast, another instance's revocation reaches this one within this long
 * (NEURO_CREDENTIAL_CACHE_SECONDS).
 */
const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 10_000;
const LAST_USED_EVERY_MS = 60_000;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function toMillis(value: Date | string | null): number | null {
  return value === null ? null : new Date(value).getTime();
}

/** `https://acme.example.com/mcp` → `mcp`; the REST API's `…/api/v1` (or anything else: the narrowest) → `api`. */
function resourceOf(audience: string | null): 'api' | 'mcp' {
  try {
    return audience !== null && new URL(audience).pathname === '/mcp' ? 'mcp' : 'api';
  } catch {
    return 'api';
  }
}

function asRole(role: string): Role {
  return (ROLES as readonly string[]).includes(role) ? (role as Role) : 'viewer';
}

/**
 * Turns a presented credential into a principal: API tokens (`nf_live_…`, by keyed hash) and
 * access tokens (JWTs of a login session). Verified credentials are cached in the process; a
 * revocation here forgets them at once and, with Redis, is broadcast to the other instances.
 */
export function createTokenService(deps: { db: Database; secret: string; keys?: KeyStore; bus?: RevocationBus; cacheTtlMs?: number }): TokenService {
  const { db, secret } = deps;
  const ttl = deps.cacheTtlMs ?? CACHE_TTL_MS;
  let bus = deps.bus;
  const cache = new Map<string, CacheEntry>();

  function remember(key: string, entry: CacheEntry) {
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(key, entry);
  }

  function cached(key: string, now: number): CacheEntry | undefined {
    const entry = cache.get(key);
    if (entry && now - entry.cachedAt > ttl) {
      cache.delete(key);
      return undefined;
    }
    return entry;
  }

  function touch(entry: CacheEntry, now: number) {
    if (now - entry.lastUsedWrite < LAST_USED_EVERY_MS) return;
    entry.lastUsedWrite = now;
    const { tenantId, credentialId, kind } = entry.principal;
    // An OAuth token's use shows in its grant, not in a last-used column.
    if (credentialId.startsWith('oauth:')) return;
    const write = kind === 'session' ? repo.touchSession : repo.touchLastUsed;
    db.tenant(tenantId, (q) => write(q, tenantId, credentialId)).catch(() => undefined);
  }

  function check(entry: CacheEntry, now: number): VerifyResult {
    if (entry.revokedAt !== null && entry.revokedAt <= now) return { ok: false, reason: 'revoked' };
    if (entry.expiresAt !== null && entry.expiresAt <= now) return { ok: false, reason: 'expired' };
    touch(entry, now);
    return { ok: true, principal: entry.principal };
  }

  function forgetLocal(m: RevocationMessage) {
    const ids = new Set([...(m.credentialIds ?? []), ...(m.ownerIds ?? [])]);
    if (ids.size === 0) return;
    for (const [key, entry] of cache) {
      const p = entry.principal;
      if (ids.has(p.credentialId) || (p.userId && ids.has(p.userId)) || (p.serviceAccountId && ids.has(p.serviceAccountId))) {
        cache.delete(key);
      }
    }
  }

  async function verifyApiToken(token: string, now: number): Promise<VerifyResult> {
    // The cache is keyed by a plain SHA-256 of the token (160 random bits: not reversible), a few
    // times cheaper than the keyed hash the database lookup needs on a miss. Only well-formed
    // tokens get in, so the format and checksum are checked on a miss only.
    const key = digest('sha256', token, 'base64');
    let entry = cached(key, now);
    if (!entry) {
      if (!isWellFormedToken(token)) return { ok: false, reason: 'malformed' };
      const hash = hashToken(secret, token);
      const row = await db.system((q) => repo.lookupByHash(q, hash));
      if (!row) return { ok: false, reason: 'unknown' };
      if (!row.owner_active) return { ok: false, reason: 'inactive' };
      entry = {
        principal: {
          tenantId: row.tenant_id,
          tenantSlug: row.tenant_slug,
          credentialId: row.id,
          kind: row.kind,
          userId: row.user_id,
          serviceAccountId: row.service_account_id,
          role: asRole(row.role),
          scopes: row.scopes,
        },
        expiresAt: toMillis(row.expires_at),
        revokedAt: toMillis(row.revoked_at),
        cachedAt: now,
        lastUsedWrite: 0,
      };
      remember(key, entry);
    }
    return check(entry, now);
  }

  async function verifyAccessToken(token: string, now: number): Promise<VerifyResult> {
    if (!deps.keys) return { ok: false, reason: 'malformed' };
    let entry = cached(token, now);
    if (!entry) {
      const claims = await deps.keys.verify(token);
      if (!claims) return { ok: false, reason: 'unknown' };
      const row = await db.tenant(claims.tid, (q) => repo.lookupSession(q, claims.tid, claims.sid));
      if (!row || row.user_id !== claims.sub) return { ok: false, reason: 'unknown' };
      if (!row.active) return { ok: false, reason: 'inactive' };
      const sessionEnd = toMillis(row.expires_at)!;
      entry = {
        principal: {
          tenantId: claims.tid,
          tenantSlug: row.tenant_slug,
          credentialId: claims.sid,
          kind: 'session',
          userId: row.user_id,
          serviceAccountId: null,
          role: asRole(row.role),
          // A login has every scope; what it may do is what the user's role allows.
          scopes: SCOPES,
        },
        expiresAt: Math.min(claims.exp! * 1000, sessionEnd),
        revokedAt: toMillis(row.revoked_at),
        cachedAt: now,
        lastUsedWrite: 0,
      };
      remember(token, entry);
    }
    return check(entry, now);
  }

  /**
   * An opaque access token of our OAuth authorization server (modules/oauth): found by the keyed
   * hash of its id, which is the token itself; its rights are its scopes, and what the user's role
   * (or, for client_credentials, the client's service account's role) allows.
   */
  async function verifyOauthToken(token: string, now: number): Promise<VerifyResult> {
    const key = digest('sha256', token, 'base64');
    let entry = cached(key, now);
    if (!entry) {
      // Both kinds of access token (AccessToken, ClientCredentials) are keyed as `AccessToken`.
      const row = await db.system((q) => repo.lookupOauthAccess(q, oauthKey(secret, 'AccessToken', token)));
      if (!row || !row.role) return { ok: false, reason: 'unknown' };
      if (!row.owner_active) return { ok: false, reason: 'inactive' };
      const service = row.model === 'ClientCredentials';
      entry = {
        principal: {
          tenantId: row.tenant_id,
          tenantSlug: row.tenant_slug,
          credentialId: service ? `oauth:${row.client_id}` : `oauth:${row.grant_id}`,
          kind: service ? 'service' : 'oauth',
          userId: service ? null : row.account_id,
          serviceAccountId: service ? row.service_account_id : null,
          role: asRole(row.role),
          scopes: (row.scope ?? '').split(' ').filter((s) => (SCOPES as readonly string[]).includes(s)),
          resource: resourceOf(row.audience),
        },
        expiresAt: toMillis(row.expires_at),
        revokedAt: null,
        cachedAt: now,
        lastUsedWrite: 0,
      };
      remember(key, entry);
    }
    return check(entry, now);
  }

  return {
    async verify(token: string, now = Date.now()): Promise<VerifyResult> {
      if (token.startsWith('nf_live_')) return verifyApiToken(token, now);
      if (OPAQUE_TOKEN.test(token)) return verifyOauthToken(token, now);
      if (token.length < 4096 && JWT_SHAPE.test(token)) return verifyAccessToken(token, now);
      return { ok: false, reason: 'malformed' };
    },

    /**
     * Forget cached verifications of these credentials (token or session ids) or of everything
     * these users or service accounts hold, here at once and on the other instances via Redis.
     * Call it after the revoking transaction committed.
     */
    forget(credentialIds: readonly string[], ownerIds: readonly string[] = []) {
      const m: RevocationMessage = { credentialIds: [...credentialIds], ownerIds: [...ownerIds] };
      forgetLocal(m);
      bus?.publish(m);
    },

    /** For the revocation bus: what another instance revoked. */
    forgetLocal,

    setBus(b: RevocationBus | undefined) {
      bus = b;
    },

    /** Mints a service token (the secret is returned once and never stored). */
    async createServiceToken(
      tenantId: string,
      opts: { serviceAccountId: string; name: string; scopes: Scope[]; secret?: string; expiresAt?: Date | null },
      q?: Queryable,
    ): Promise<{ id: string; token: string }> {
      return createToken(tenantId, { kind: 'service', ...opts }, q);
    },

    createToken,
  };

  /** Mints an API token of any kind; returns its id and the secret, which is never stored. */
  async function createToken(
    tenantId: string,
    opts: NewTokenInput,
    q?: Queryable,
  ): Promise<{ id: string; token: string; masked: string }> {
    const token = opts.secret ?? generateToken();
    const row: repo.NewToken = {
      id: newId('tok'),
      kind: opts.kind,
      userId: opts.userId ?? null,
      serviceAccountId: opts.serviceAccountId ?? null,
      name: opts.name,
      hash: hashToken(secret, token),
      masked: maskToken(token),
      scopes: [...opts.scopes],
      expiresAt: opts.expiresAt ?? null,
      purpose: opts.purpose ?? 'api',
      createdBy: opts.createdBy ?? null,
      rotatedFrom: opts.rotatedFrom ?? null,
    };
    if (q) await repo.insertToken(q, tenantId, row);
    else await db.tenant(tenantId, (tq) => repo.insertToken(tq, tenantId, row));
    return { id: row.id, token, masked: row.masked };
  }
}
