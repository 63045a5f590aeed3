import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../../db/driver.js';
import type { AppContext } from '../../types.js';
import type { Caller } from '../../lib/caller.js';
import { ConflictError, UnauthorizedError, found } from '../../lib/errors.js';
import { recordEvent } from '../../lib/events.js';
import { checkPasswordPolicy } from '../../lib/passwords.js';
import { deriveKey, keyedHash } from '../../lib/sealed.js';
import { createAttempts } from '../auth/attempts.js';
import { revokeSessions, setPassword } from '../auth/repo.js';
import * as repo from './repo.js';
import type { LinkKind } from './repo.js';

/**
 * One-time links that set a user's password: an invitation for a user created without one (valid
 * 7 days) and a password reset an admin issues (valid 1 hour). The token is 256 random bits, shown
 * once inside the link's fragment (`/invite#token=…`, which browsers never send to a server), and
 * stored only as a keyed hash. A new link replaces the user's previous one; using it deletes it.
 */
const LIFETIME_SECONDS: Record<LinkKind, number> = { invitation: 7 * 86_400, password_reset: 3600 };
const PREFIX: Record<LinkKind, string> = { invitation: 'nf_inv_', password_reset: 'nf_pwr_' };
const PAGE: Record<LinkKind, string> = { invitation: '/invite', password_reset: '/reset-password' };
const ISSUED: Record<LinkKind, string> = { invitation: 'user.invited', password_reset: 'user.password_reset_issued' };
const USED: Record<LinkKind, string> = { invitation: 'user.invitation_accepted', password_reset: 'user.password_reset' };
const TOKEN_PATTERN = /^nf_(?:inv|pwr)_[0-9a-f]{64}$/;

export interface IssuedLink {
  url: string;
  expires_at: string;
}

export interface LinkMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** Unknown, expired, used, of the other kind or of another tenant: one answer for all. */
const invalidLink = () => new UnauthorizedError('This link is not valid: it may have expired or been used already', 'INVALID_TOKEN');

export type InvitationService = ReturnType<typeof createInvitationService>;

export function createInvitationService(ctx: Pick<AppContext, 'db' | 'tokens' | 'secret' | 'config' | 'loginThrottle' | 'passwords'>) {
  const { db, tokens, passwords } = ctx;
  const key = deriveKey(ctx.secret, 'password-link');
  const attempts = createAttempts(ctx);

  /** In the caller's transaction: a new link for the user, replacing any other, audited (never the token). */
  async function issueIn(q: Queryable, caller: Caller, userId: string, kind: LinkKind, origin: string): Promise<IssuedLink> {
    const token = `${PREFIX[kind]}${randomBytes(32).toString('hex')}`;
    const expiresAt = new Date(Date.now() + LIFETIME_SECONDS[kind] * 1000);
    await repo.replaceLink(q, caller.tenantId, {
      userId, kind, hash: keyedHash(key, token), expiresAt, createdBy: caller.principal?.userId ?? caller.principal?.serviceAccountId ?? null,
    });
    await recordEvent(q, caller, { type: ISSUED[kind], objectType: 'user', objectId: userId, data: { expires_at: expiresAt.toISOString() } });
    return { url: `${origin}${PAGE[kind]}#token=${token}`, expires_at: expiresAt.toISOString() };
  }

  /** A live link's row, or the one invalid-link answer; every look counts as an attempt of the IP. */
  async function find(token: string, hostTenant: string | null, kind?: LinkKind) {
    if (!TOKEN_PATTERN.test(token)) return undefined;
    const found = await db.system((q) => repo.lookupLink(q, keyedHash(key, token)));
    // On a tenant's host, only that tenant's links (like every other credential).
    if (!found || (kind && found.kind !== kind) || (hostTenant !== null && hostTenant !== found.tenant_slug)) return undefined;
    return found;
  }

  return {
    issueIn,

    /** Admin: a new invitation (for a user without a password) or a password reset. */
    async issue(caller: Caller, userId: string, kind: LinkKind, origin: string): Promise<IssuedLink> {
      return db.tenantTx(caller.tenantId, async (q) => {
        const user = found(await repo.linkUser(q, caller.tenantId, userId), 'User');
        if (!user.active) throw new ConflictError('This user is deactivated; reactivate them first');
        if (kind === 'invitation' && user.has_password) throw new ConflictError('This user has a password already; issue a password reset instead');
        return issueIn(q, caller, userId, kind, origin);
      });
    },

    /** Public: whom a link is for, so the page can greet them. */
    async lookup(token: string, hostTenant: string | null, meta: LinkMeta) {
      const release = await attempts.reserve([attempts.ipKey(meta.ip)]);
      const found = await find(token, hostTenant);
      if (!found) throw invalidLink();
      await release();
      return {
        kind: found.kind, email: found.email, name: found.name, tenant: { slug: found.tenant_slug, name: found.tenant_name },
        expires_at: new Date(found.expires_at).toISOString(),
      };
    },

    /**
     * Public: sets the password through a link of `kind`, once. A reset also ends every session
     * of the user. Counted like a login: a wrong token is a failed attempt of the IP.
     */
    async use(kind: LinkKind, token: string, password: string, hostTenant: string | null, meta: LinkMeta): Promise<void> {
      const release = await attempts.reserve([attempts.ipKey(meta.ip)]);
      const found = await find(token, hostTenant, kind);
      if (!found) throw invalidLink();
      try {
        checkPasswordPolicy(password, found.email, 'password');
      } catch (err) {
        await release(); // the link was right: not a guess
        throw err;
      }
      const hash = await passwords.hash(password);
      const tenantId = found.tenant_id;
      const caller: Caller = { tenantId, principal: null, ip: meta.ip, userAgent: meta.userAgent, requestId: meta.requestId };
      const revoked = await db.tenantTx(tenantId, async (q) => {
        // Consumed atomically: of two uses at once, one deletes the row and the other finds none.
        const userId = await repo.consumeLink(q, tenantId, keyedHash(key, token), kind);
        const user = userId ? await repo.linkUser(q, tenantId, userId) : undefined;
        if (!user?.active) return undefined;
        await setPassword(q, tenantId, user.id, hash);
        const ids = kind === 'password_reset' ? await revokeSessions(q, tenantId, { userId: user.id, reason: 'password_reset' }) : [];
        await recordEvent(q, caller, {
          type: USED[kind], actor: { type: 'user', id: user.id }, objectType: 'user', objectId: user.id,
          data: kind === 'password_reset' ? { sessions_revoked: ids.length } : undefined,
        });
        return ids;
      });
      if (!revoked) throw invalidLink();
      await release();
      await attempts.clear(found.email);
      tokens.forget(revoked);
    },
  };
}
