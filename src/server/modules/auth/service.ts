import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../types.js';
import type { Caller } from '../../lib/caller.js';
import { ConflictError, ForbiddenError, UnauthorizedError, ValidationError, fieldError, found } from '../../lib/errors.js';
import { recordEvent } from '../../lib/events.js';
import { newId } from '../../lib/ids.js';
import { ACCESS_TOKEN_SECONDS } from '../../lib/jwt.js';
import { listRows, type ListQuery, type ListPage } from '../../lib/list.js';
import { checkPasswordPolicy } from '../../lib/passwords.js';
import { deriveKey, keyedHash, seal, unseal } from '../../lib/sealed.js';
import { csrfToken } from '../../lib/cookies.js';
import { createAttempts } from './attempts.js';
import * as repo from './repo.js';
import { passwordRefusedBy } from '../sso/repo.js';
import { matchingStep, newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, otpauthUrl, qrCodeDataUrl } from './totp.js';

/** Sessions end 30 days after the login, however often they are refreshed. */
export const SESSION_DAYS = 30;
const REFRESH_PATTERN = /^nf_rt_[0-9a-f]{64}$/;

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export interface LoginInput {
  email: string;
  password: string;
  totp_code?: string;
  recovery_code?: string;
  tenant?: string;
}

export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
}

export interface SessionGrant {
  body: IssuedTokens;
  sessionId: string;
  tenantId: string;
  csrf: string;
  /** Seconds until the session's absolute end. */
  sessionSeconds: number;
}

const invalidLogin = () => new UnauthorizedError('Invalid email or password');
const invalidRefresh = () => new UnauthorizedError('Invalid or expired refresh token', 'INVALID_TOKEN');

function anonymousCaller(tenantId: string, meta: RequestMeta): Caller {
  return { tenantId, principal: null, ip: meta.ip, userAgent: meta.userAgent, requestId: meta.requestId };
}

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService(ctx: Pick<AppContext, 'db' | 'config' | 'keys' | 'tokens' | 'loginThrottle' | 'secret' | 'passwords'>) {
  const { db, keys, tokens, secret, passwords } = ctx;
  const totpKey = deriveKey(secret, 'totp-secret');
  const refreshKey = deriveKey(secret, 'refresh-token');
  const recoveryKey = deriveKey(secret, 'recovery-code');
  const hashRecovery = (userId: string, code: string) => keyedHash(recoveryKey, `${userId}:${normalizeRecoveryCode(code)}`);
  void passwords.dummyHash(); // computed ahead of the first login with an unknown email

  const { accountKey, ipKey, reserve, clear: attemptsClear } = createAttempts(ctx);

  /** A new session with its first refresh token, then its first access token. */
  async function openSession(tenantId: string, userId: string, meta: RequestMeta, event: Parameters<typeof recordEvent>[2]): Promise<SessionGrant> {
    const sessionId = newId('sess');
    const refresh = `nf_rt_${randomBytes(32).toString('hex')}`;
    const expiresAt = new Date(Date.now() + SESSION_DAYS * 86_400_000);
    await db.tenantTx(tenantId, async (q) => {
      await repo.pruneSessions(q, tenantId, userId);
      await repo.insertSession(q, tenantId, { id: sessionId, userId, ip: meta.ip, userAgent: meta.userAgent, expiresAt });
      await repo.insertRefreshToken(q, tenantId, sessionId, keyedHash(refreshKey, refresh));
      const caller = anonymousCaller(tenantId, meta);
      await recordEvent(q, caller, { ...event, actor: { type: 'user', id: userId }, objectType: 'session', objectId: sessionId });
    });
    const access = await keys.sign({ sub: userId, sid: sessionId, tid: tenantId });
    return {
      body: { access_token: access, refresh_token: refresh, token_type: 'bearer', expires_in: ACCESS_TOKEN_SECONDS },
      sessionId,
      tenantId,
      csrf: csrfToken(secret, sessionId),
      sessionSeconds: SESSION_DAYS * 86_400,
    };
  }

  /** A second factor: a TOTP code (once per time step, ever) or an unused recovery code. */
  async function checkSecondFactor(tenantId: string, user: repo.UserSecrets, input: { totp_code?: string; recovery_code?: string }) {
    if (input.totp_code) {
      const step = user.totp_secret ? matchingStep(unseal(totpKey, user.totp_secret), input.totp_code.trim()) : null;
      if (step === null) return false;
      return db.tenant(tenantId, (q) => repo.claimTotpStep(q, tenantId, user.id, step));
    }
    if (input.recovery_code) {
      const hash = hashRecovery(user.id, input.recovery_code);
      return db.tenant(tenantId, (q) => repo.useRecoveryCode(q, tenantId, user.id, hash));
    }
    return false;
  }

  async function recordFailure(tenantId: string | undefined, userId: string | undefined, meta: RequestMeta, data: object) {
    if (!tenantId) return;
    await db.tenant(tenantId, (q) =>
      recordEvent(q, anonymousCaller(tenantId, meta), {
        type: 'auth.login_failed',
        actor: userId ? { type: 'user', id: userId } : { type: 'anonymous', id: null },
        objectType: userId ? 'user' : undefined,
        objectId: userId,
        data,
      }),
    );
  }

  /** The user behind a session or personal token, with secrets, for the /user/… operations. */
  async function self(caller: Caller): Promise<repo.UserSecrets> {
    const userId = caller.principal?.userId;
    const user = userId ? await db.tenant(caller.tenantId, (q) => repo.userSecrets(q, caller.tenantId, userId)) : undefined;
    return found(user, 'User');
  }

  /** The caller's own password, counted like a login attempt (reserve first; released when right). */
  async function confirmPassword(caller: Caller, user: repo.UserSecrets, password: string, field: string) {
    const release = await reserve([accountKey(user.email), ipKey(caller.ip)]);
    if (!(await passwordMatches(user, password))) throw fieldError(field, 'is not correct');
    await release();
  }

  async function passwordMatches(user: repo.UserSecrets, password: string): Promise<boolean> {
    return Boolean(user.password_hash) && (await passwords.verify(user.password_hash!, password));
  }

  return {
    /**
     * A session for a user who has just proven who they are another way (first-run setup, SSO): as
     * a login; `details` go into its auth.login_succeeded event.
     */
    startSession: (tenantId: string, userId: string, email: string, meta: RequestMeta, method: string, details: object = {}) =>
      openSession(tenantId, userId, meta, { type: 'auth.login_succeeded', data: { email, second_factor: null, method, ...details } }),

    /**
     * Email and password (and a second factor when 2FA is on). The tenant is the host's, else the
     * `tenant` field, else the only tenant where the email has an account.
     */
    async login(input: LoginInput, hostTenant: string | null, meta: RequestMeta): Promise<SessionGrant> {
      const email = input.email.trim().toLowerCase();
      if (hostTenant && input.tenant && input.tenant !== hostTenant) {
        throw fieldError('tenant', 'differs from the tenant of the host name');
      }
      const slug = hostTenant ?? input.tenant ?? null;
      const limits = [accountKey(email), ipKey(meta.ip)];
      const release = await reserve(limits);

      const candidates = await db.system((q) => repo.loginCandidates(q, email, slug));
      // The password is checked against every account the email has (at most 10, the lookup's
      // limit; argon2 runs them side by side on its thread pool), and against a dummy hash when it
      // has none or the account no password: the same answer after the same work whether the
      // email is unknown, inactive, or in one tenant or several. Only someone who knows the
      // password of more than one of them learns that there are several.
      const dummy = await passwords.dummyHash();
      const checked = await Promise.all(
        (candidates.length ? candidates : [undefined]).map((c) => passwords.verify(c?.password_hash ?? dummy, input.password)),
      );
      const matches = candidates.filter((c, i): c is repo.LoginCandidate & { password_hash: string } => Boolean(checked[i] && c.password_hash && c.active));
      if (matches.length > 1) {
        await release();
        throw fieldError('tenant', 'this email and password fit accounts in several tenants: send the tenant (its slug) or use its host name');
      }
      const user = matches[0];
      if (!user) {
        if (candidates.length === 0) {
          const tenantId = slug ? await db.system((q) => repo.tenantIdOfSlug(q, slug)) : undefined;
          await recordFailure(tenantId, undefined, meta, { email, reason: 'unknown_email' });
        }
        for (const c of candidates) {
          await recordFailure(c.tenant_id, c.user_id, meta, { email, reason: !c.active ? 'inactive' : !c.password_hash ? 'no_password' : 'bad_password' });
        }
        throw invalidLogin();
      }
      const tenantId = user.tenant_id;
      // The tenant signs in through its identity provider: a right password is no failure, but no session either.
      const provider = await db.tenant(tenantId, (q) => passwordRefusedBy(q, tenantId, user.user_id));
      if (provider !== undefined) {
        await release();
        await recordFailure(tenantId, user.user_id, meta, { email, reason: 'password_login_disabled' });
        throw new ForbiddenError(`Password sign-in is turned off for this workspace: sign in with ${provider}`);
      }
      if (user.totp_enabled) {
        if (!input.totp_code && !input.recovery_code) {
          // The password was right: not a failure (the code is counted when it comes).
          await release();
          throw new UnauthorizedError('Two-factor authentication code required', 'TOTP_REQUIRED');
        }
        const secrets = await db.tenant(tenantId, (q) => repo.userSecrets(q, tenantId, user.user_id));
        if (!secrets || !(await checkSecondFactor(tenantId, secrets, input))) {
          await recordFailure(tenantId, user.user_id, meta, { email, reason: input.totp_code ? 'bad_totp_code' : 'bad_recovery_code' });
          throw new UnauthorizedError('Invalid two-factor authentication code');
        }
      }
      await attemptsClear(email);
      await release();
      if (passwords.needsRehash(user.password_hash)) {
        const rehashed = await passwords.hash(input.password);
        await db.tenant(tenantId, (q) => repo.setPassword(q, tenantId, user.user_id, rehashed));
      }
      return openSession(tenantId, user.user_id, meta, {
        type: 'auth.login_succeeded',
        data: { email, second_factor: user.totp_enabled ? (input.totp_code ? 'totp' : 'recovery_code') : null },
      });
    },

    /**
     * Rotates a refresh token. A refresh token that was used before revokes its whole session
     * (RFC 9700 §4.14.2): whoever holds the newer one loses it too.
     */
    async refresh(refreshToken: string, hostTenant: string | null, meta: RequestMeta): Promise<SessionGrant> {
      if (!REFRESH_PATTERN.test(refreshToken)) throw invalidRefresh();
      const hash = keyedHash(refreshKey, refreshToken);
      const found = await db.system((q) => repo.refreshLookup(q, hash));
      // On a tenant's host, only that tenant's refresh tokens (like every other credential).
      if (!found || (hostTenant !== null && hostTenant !== found.tenant_slug)) throw invalidRefresh();
      const tenantId = found.tenant_id;
      const next = `nf_rt_${randomBytes(32).toString('hex')}`;
      const outcome = await db.tenantTx(tenantId, async (q) => {
        const s = await repo.sessionForUpdate(q, tenantId, found.session_id);
        if (!s || s.revoked_at !== null || !s.active || new Date(s.expires_at).getTime() <= Date.now()) return { ok: false as const };
        if (!(await repo.useRefreshToken(q, tenantId, hash))) {
          await repo.revokeSessions(q, tenantId, { userId: s.user_id, only: s.id, reason: 'refresh_token_reused' });
          await recordEvent(q, anonymousCaller(tenantId, meta), {
            type: 'auth.refresh_reused', actor: { type: 'user', id: s.user_id }, objectType: 'session', objectId: s.id,
            data: { reason: 'a refresh token was presented a second time; the session is revoked' },
          });
          return { ok: false as const, revoked: s.id };
        }
        await repo.insertRefreshToken(q, tenantId, s.id, keyedHash(refreshKey, next));
        await repo.touchSession(q, tenantId, s.id);
        return { ok: true as const, session: s };
      });
      if (!outcome.ok) {
        if (outcome.revoked) tokens.forget([outcome.revoked]);
        throw invalidRefresh();
      }
      const s = outcome.session;
      const access = await keys.sign({ sub: s.user_id, sid: s.id, tid: tenantId });
      return {
        body: { access_token: access, refresh_token: next, token_type: 'bearer', expires_in: ACCESS_TOKEN_SECONDS },
        sessionId: s.id,
        tenantId,
        csrf: csrfToken(secret, s.id),
        sessionSeconds: Math.max(0, Math.floor((new Date(s.expires_at).getTime() - Date.now()) / 1000)),
      };
    },

    /** The tenant and session a refresh token belongs to (for the cookie CSRF check), or undefined. */
    async sessionOfRefreshToken(refreshToken: string): Promise<string | undefined> {
      if (!REFRESH_PATTERN.test(refreshToken)) return undefined;
      return (await db.system((q) => repo.refreshLookup(q, keyedHash(refreshKey, refreshToken))))?.session_id;
    },

    async logout(caller: Caller): Promise<void> {
      const p = caller.principal!;
      await db.tenantTx(caller.tenantId, async (q) => {
        await repo.revokeSessions(q, caller.tenantId, { userId: p.userId!, only: p.credentialId, reason: 'logout' });
        await recordEvent(q, caller, { type: 'auth.logout', objectType: 'session', objectId: p.credentialId });
      });
      tokens.forget([p.credentialId]);
    },

    async listSessions(caller: Caller, query: ListQuery): Promise<ListPage> {
      const page = await db.tenant(caller.tenantId, (q) =>
        listRows(q, { ...repo.sessions, filters: { live: (_v, _p, a) => `${a}.revoked_at IS NULL AND ${a}.expires_at > now()` } },
          caller.tenantId, { ...query, live: 'true' }, { user_id: caller.principal!.userId! }),
      );
      const current = caller.principal!.credentialId;
      const items = (JSON.parse(page.dataJson) as { id: string }[]).map((s) => ({ ...s, current: s.id === current }));
      return { ...page, dataJson: JSON.stringify(items) };
    },

    async revokeSession(caller: Caller, sessionId: string): Promise<void> {
      const userId = caller.principal!.userId!;
      const revoked = await db.tenantTx(caller.tenantId, async (q) => {
        const ids = await repo.revokeSessions(q, caller.tenantId, { userId, only: sessionId, reason: 'revoked_by_user' });
        if (ids.length) await recordEvent(q, caller, { type: 'session.revoked', objectType: 'session', objectId: sessionId });
        return ids;
      });
      tokens.forget(found(revoked.length > 0 ? revoked : undefined, 'Session'));
    },

    async changePassword(caller: Caller, input: { current_password: string; new_password: string }): Promise<void> {
      const user = await self(caller);
      await confirmPassword(caller, user, input.current_password, 'current_password');
      checkPasswordPolicy(input.new_password, user.email, 'new_password');
      if (input.new_password === input.current_password) throw fieldError('new_password', 'must differ from the current password');
      const hash = await passwords.hash(input.new_password);
      const current = caller.principal!.kind === 'session' ? caller.principal!.credentialId : undefined;
      const revoked = await db.tenantTx(caller.tenantId, async (q) => {
        await repo.setPassword(q, caller.tenantId, user.id, hash);
        const ids = await repo.revokeSessions(q, caller.tenantId, { userId: user.id, except: current, reason: 'password_changed' });
        await recordEvent(q, caller, { type: 'user.password_changed', objectType: 'user', objectId: user.id, data: { sessions_revoked: ids.length } });
        return ids;
      });
      tokens.forget(revoked);
    },

    async setupTotp(caller: Caller) {
      const user = await self(caller);
      if (user.totp_enabled) throw new ConflictError('Two-factor authentication is already on; disable it first');
      const secretB32 = newTotpSecret();
      await db.tenant(caller.tenantId, (q) => repo.setPendingTotp(q, caller.tenantId, user.id, seal(totpKey, secretB32)));
      const url = otpauthUrl(secretB32, user.email);
      return { secret: secretB32, otpauth_url: url, qr_code: await qrCodeDataUrl(url) };
    },

    async enableTotp(caller: Caller, code: string) {
      const user = await self(caller);
      if (user.totp_enabled) throw new ConflictError('Two-factor authentication is already on');
      if (!user.totp_pending) throw new ConflictError('Start with POST /user/2fa/setup');
      const secretB32 = unseal(totpKey, user.totp_pending);
      const step = matchingStep(secretB32, code.trim());
      if (step === null) throw fieldError('totp_code', 'is not a valid code for the secret from /user/2fa/setup');
      const codes = newRecoveryCodes();
      await db.tenantTx(caller.tenantId, async (q) => {
        await repo.enableTotp(q, caller.tenantId, user.id, seal(totpKey, secretB32), step);
        await repo.replaceRecoveryCodes(q, caller.tenantId, user.id, codes.map((c) => hashRecovery(user.id, c)));
        await recordEvent(q, caller, { type: 'user.2fa_enabled', objectType: 'user', objectId: user.id });
      });
      return { enabled: true, recovery_codes: codes };
    },

    async disableTotp(caller: Caller, input: { password: string; totp_code?: string; recovery_code?: string }) {
      const user = await self(caller);
      if (!user.totp_enabled) throw new ConflictError('Two-factor authentication is not on');
      if (!input.totp_code && !input.recovery_code) {
        throw new ValidationError([{ field: 'totp_code', message: 'is required (or recovery_code)' }]);
      }
      // The password and the code are one attempt: counted first, released only when both are right.
      const release = await reserve([accountKey(user.email), ipKey(caller.ip)]);
      if (!(await passwordMatches(user, input.password))) throw fieldError('password', 'is not correct');
      if (!(await checkSecondFactor(caller.tenantId, user, input))) {
        throw fieldError(input.totp_code ? 'totp_code' : 'recovery_code', 'is not valid');
      }
      await release();
      await db.tenantTx(caller.tenantId, async (q) => {
        await repo.disableTotp(q, caller.tenantId, user.id);
        await recordEvent(q, caller, { type: 'user.2fa_disabled', objectType: 'user', objectId: user.id });
      });
      return { enabled: false };
    },
  };
}
