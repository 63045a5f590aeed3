import type { Database } from '../../../db/driver.js';
import { isWellFormedToken, hashToken, maskToken, generateToken } from '../../lib/tokens.js';
import { newId } from '../../lib/ids.js';
import { ROLES, type Role, type Scope } from '../../lib/scopes.js';
import * as repo from './repo.js';

/** Who is making a request: the credential, its tenant, and what it may do. */
export interface Principal {
  tenantId: string;
  tenantSlug: string;
  credentialId: string;
  kind: 'personal' | 'service';
  userId: string | null;
  serviceAccountId: string | null;
  role: Role;
  scopes: readonly string[];
}

export type VerifyResult = { ok: true; principal: Principal } | { ok: false; reason: 'malformed' | 'unknown' | 'expired' | 'revoked' | 'inactive' };

interface CacheEntry {
  principal: Principal;
  expiresAt: number | null;
  cachedAt: number;
  lastUsedWrite: number;
}

const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 10_000;
const LAST_USED_EVERY_MS = 60_000;

function toMillis(value: Date | string | null): number | null {
  return value === null ? null : new Date(value).getTime();
}

export type TokenService = ReturnType<typeof createTokenService>;

export function createTokenService(deps: { db: Database; secret: string }) {
  const { db, secret } = deps;
  // Verified tokens by keyed hash; revocation on this instance deletes the entry at once.
  const cache = new Map<string, CacheEntry>();

  function remember(key: string, entry: CacheEntry) {
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(key, entry);
  }

  function touch(entry: CacheEntry, now: number) {
    if (now - entry.lastUsedWrite < LAST_USED_EVERY_MS) return;
    entry.lastUsedWrite = now;
    const { tenantId, credentialId } = entry.principal;
    db.tenant(tenantId, (q) => repo.touchLastUsed(q, tenantId, credentialId)).catch(() => undefined);
  }

  return {
    async verify(token: string, now = Date.now()): Promise<VerifyResult> {
      if (!isWellFormedToken(token)) return { ok: false, reason: 'malformed' };
      const hash = hashToken(secret, token);
      const key = hash.toString('base64');
      let entry = cache.get(key);
      if (entry && now - entry.cachedAt > CACHE_TTL_MS) {
        cache.delete(key);
        entry = undefined;
      }
      if (!entry) {
        const row = await db.system((q) => repo.lookupByHash(q, hash));
        if (!row) return { ok: false, reason: 'unknown' };
        if (row.revoked_at !== null) return { ok: false, reason: 'revoked' };
        if (!row.owner_active) return { ok: false, reason: 'inactive' };
        entry = {
          principal: {
            tenantId: row.tenant_id,
            tenantSlug: row.tenant_slug,
            credentialId: row.id,
            kind: row.kind,
            userId: row.user_id,
            serviceAccountId: row.service_account_id,
            role: (ROLES as readonly string[]).includes(row.role) ? (row.role as Role) : 'viewer',
            scopes: row.scopes,
          },
          expiresAt: toMillis(row.expires_at),
          cachedAt: now,
          lastUsedWrite: 0,
        };
        remember(key, entry);
      }
      if (entry.expiresAt !== null && entry.expiresAt <= now) return { ok: false, reason: 'expired' };
      touch(entry, now);
      return { ok: true, principal: entry.principal };
    },

    /** Forget cached verifications of these credentials, so a revocation applies to the next request. */
    forget(credentialIds: readonly string[]) {
      const ids = new Set(credentialIds);
      for (const [key, entry] of cache) if (ids.has(entry.principal.credentialId)) cache.delete(key);
    },

    /** Mints a service token (the secret is returned once and never stored). */
    async createServiceToken(
      tenantId: string,
      opts: { serviceAccountId: string; name: string; scopes: Scope[]; secret?: string; expiresAt?: Date | null },
      q?: Parameters<Parameters<Database['tenant']>[1]>[0],
    ): Promise<{ id: string; token: string }> {
      const token = opts.secret ?? generateToken();
      const row: repo.NewToken = {
        id: newId('tok'),
        kind: 'service',
        serviceAccountId: opts.serviceAccountId,
        name: opts.name,
        hash: hashToken(secret, token),
        masked: maskToken(token),
        scopes: opts.scopes,
        expiresAt: opts.expiresAt ?? null,
      };
      if (q) await repo.insertToken(q, tenantId, row);
      else await db.tenant(tenantId, (tq) => repo.insertToken(tq, tenantId, row));
      return { id: row.id, token };
    },
  };
}
