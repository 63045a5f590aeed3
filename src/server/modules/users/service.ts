import type { AppContext } from '../../types.js';
import type { Queryable } from '../../../db/driver.js';
import type { Caller } from '../../lib/caller.js';
import { ConflictError, ForbiddenError, found } from '../../lib/errors.js';
import { getRow, insertRow, updateRow } from '../../lib/crud.js';
import { recordEvent } from '../../lib/events.js';
import { newId } from '../../lib/ids.js';
import { listRows, type ListQuery } from '../../lib/list.js';
import { checkPasswordPolicy } from '../../lib/passwords.js';
import * as repo from './repo.js';
import { revokeTokensOfUser } from '../api-keys/repo.js';
import { deleteLinks } from '../invitations/repo.js';
import { createInvitationService, type IssuedLink } from '../invitations/service.js';
import { users } from './repo.js';

export type UserService = ReturnType<typeof createUserService>;

export interface UserCreateInput {
  email: string;
  name: string;
  role: string;
  password?: string;
}

export interface UserUpdateInput {
  name?: string;
  role?: string;
  active?: boolean;
}

/**
 * Ends everything a deactivated user holds, in the deactivating transaction: their sessions,
 * their API and MCP tokens (revoked for good, each audited; reactivation does not bring them back)
 * and any invitation or password reset link.
 * Returns the ids to forget from the credential cache after the commit.
 */
async function revokeCredentials(q: Queryable, caller: Caller, userId: string): Promise<string[]> {
  const sessions = await repo.revokeAllSessions(q, caller.tenantId, userId, 'user_deactivated');
  const revoked = await revokeTokensOfUser(q, caller.tenantId, userId);
  await deleteLinks(q, caller.tenantId, userId);
  for (const t of revoked) {
    await recordEvent(q, caller, { type: 'token.revoked', objectType: 'api_token', objectId: t.id, data: t.json });
  }
  return [...sessions, ...revoked.map((t) => t.id)];
}

function emailTaken(err: unknown): never {
  if ((err as { code?: string }).code === '23505') {
    throw new ConflictError('A user with this email already exists', [{ field: 'email', message: 'is already taken' }]);
  }
  throw err;
}

export function createUserService(ctx: Pick<AppContext, 'db' | 'tokens' | 'secret' | 'config' | 'loginThrottle' | 'passwords'>) {
  const { db, tokens, passwords } = ctx;
  const links = createInvitationService(ctx);

  /** The one password rule for every way a user is made: checked, then hashed (outside any transaction). */
  async function prepare(input: { email: string; password?: string }) {
    const email = input.email.trim().toLowerCase();
    if (input.password !== undefined) checkPasswordPolicy(input.password, email);
    return { email, passwordHash: input.password === undefined ? null : await passwords.hash(input.password) };
  }

  /** In the caller's transaction, with its user.created event (`self`: the new user made themselves, at setup). */
  async function insertUser(q: Queryable, caller: Caller, input: { email: string; name: string; role: string }, passwordHash: string | null, self = false) {
    const json = await insertRow(q, users, caller.tenantId, {
      id: newId('user'), email: input.email, name: input.name, role: input.role, password_hash: passwordHash,
    });
    const id = (JSON.parse(json) as { id: string }).id;
    await recordEvent(q, caller, { type: 'user.created', objectType: 'user', objectId: id, data: json, actor: self ? { type: 'user', id } : undefined });
    return json;
  }

  async function get(caller: Caller, id: string): Promise<string> {
    return found(await db.tenant(caller.tenantId, (q) => getRow(q, users, caller.tenantId, id)), 'User');
  }

  return {
    list: (caller: Caller, query: ListQuery) => db.tenant(caller.tenantId, (q) => listRows(q, users, caller.tenantId, query)),
    get,

    /**
     * A user with a password, or without one and then with an invitation link (in the answer
     * only, as `invitation`) where they set it. `origin`: where the link points.
     */
    async create(caller: Caller, input: UserCreateInput, origin: string): Promise<string> {
      const { email, passwordHash } = await prepare(input);
      return db.tenantTx(caller.tenantId, async (q) => {
        const json = await insertUser(q, caller, { ...input, email }, passwordHash);
        if (passwordHash !== null) return json;
        const invitation: IssuedLink = await links.issueIn(q, caller, (JSON.parse(json) as { id: string }).id, 'invitation', origin);
        return JSON.stringify({ ...(JSON.parse(json) as object), invitation });
      }).catch(emailTaken);
    },

    /**
     * A user without a password whom an identity provider vouched for (SSO's first sign-in): the
     * new user is the actor of their user.created event, as at setup.
     */
    createExternal: (caller: Caller, input: { email: string; name: string; role: string }): Promise<string> =>
      db.tenantTx(caller.tenantId, (q) => insertUser(q, caller, { ...input, email: input.email.trim().toLowerCase() }, null, true)).catch(emailTaken),

    /**
     * First-run setup: the tenant's first user, an admin, only while it has none. The lock makes
     * concurrent setups of one tenant take turns, so exactly one finds no user and creates it.
     */
    async createFirst(caller: Caller, input: { email: string; name: string; password: string }): Promise<string> {
      const { email, passwordHash } = await prepare(input);
      return db.tenantTx(caller.tenantId, async (q) => {
        await repo.lockFirstUser(q, caller.tenantId);
        if (await repo.hasUsers(q, caller.tenantId)) throw new ConflictError('Setup is already complete');
        return insertUser(q, caller, { ...input, email, role: 'admin' }, passwordHash, true);
      }).catch(emailTaken);
    },

    async update(caller: Caller, id: string, input: UserUpdateInput): Promise<string> {
      const self = caller.principal?.userId === id;
      const result = await db.tenantTx(caller.tenantId, async (q) => {
        const before = await repo.userState(q, caller.tenantId, id, true);
        if (!before) return undefined;
        if (self && ((input.role !== undefined && input.role !== before.role) || input.active === false)) {
          throw new ConflictError('You cannot change your own role or deactivate yourself');
        }
        const values: Record<string, unknown> = {};
        const changes: Record<string, { old: unknown; new: unknown }> = {};
        for (const key of ['name', 'role', 'active'] as const) {
          const value = input[key];
          if (value !== undefined && value !== before[key]) {
            values[key] = value;
            changes[key] = { old: before[key], new: value };
          }
        }
        if (Object.keys(values).length === 0) return { json: (await getRow(q, users, caller.tenantId, id))!, revoked: [] as string[], owner: false };
        const json = (await updateRow(q, users, caller.tenantId, id, values))!;
        const ev = { objectType: 'user', objectId: id, data: json };
        await recordEvent(q, caller, { type: 'user.updated', changes, ...ev });
        if (changes.role) await recordEvent(q, caller, { type: 'user.role_changed', changes: { role: changes.role }, ...ev });
        let revoked: string[] = [];
        if (changes.active && input.active === false) {
          revoked = await revokeCredentials(q, caller, id);
          await recordEvent(q, caller, { type: 'user.deactivated', ...ev });
        } else if (changes.active) {
          await recordEvent(q, caller, { type: 'user.reactivated', ...ev });
        }
        return { json, revoked, owner: Boolean(changes.role || changes.active) };
      });
      const { owner, revoked, json } = found(result, 'User');
      // After the commit: the user's cached credentials pick up the new role or stop at once.
      if (owner) tokens.forget(revoked, [id]);
      return json;
    },

    /** PATCH /user: the caller's own profile (a service account has none). */
    async updateSelf(caller: Caller, input: { name: string }): Promise<string> {
      const userId = caller.principal?.userId;
      if (!userId) throw new ForbiddenError('This endpoint is for users; a service account has no user account');
      return this.update(caller, userId, { name: input.name });
    },

    /** Deactivates (users are never deleted: their history stays attributable). */
    async remove(caller: Caller, id: string): Promise<void> {
      if (caller.principal?.userId === id) throw new ConflictError('You cannot deactivate yourself');
      const revoked = await db.tenantTx(caller.tenantId, async (q) => {
        const before = await repo.userState(q, caller.tenantId, id, true);
        if (!before) return undefined;
        const ids = await revokeCredentials(q, caller, id);
        if (before.active) {
          const json = (await updateRow(q, users, caller.tenantId, id, { active: false }))!;
          await recordEvent(q, caller, { type: 'user.deactivated', objectType: 'user', objectId: id, changes: { active: { old: true, new: false } }, data: json });
        }
        return ids;
      });
      tokens.forget(found(revoked, 'User'), [id]);
    },

    /** GET /user: the caller, whether a user or a service account. */
    async me(caller: Caller) {
      const p = caller.principal!;
      const tenant = { id: p.tenantId, slug: p.tenantSlug };
      const credential = { id: p.credentialId, kind: p.kind, scopes: [...p.scopes] };
      if (p.userId) {
        const user = JSON.parse(await get(caller, p.userId)) as Record<string, unknown>;
        return { ...user, type: 'user' as const, tenant, credential };
      }
      const sa = await db.tenant(caller.tenantId, (q) => repo.serviceAccountMe(q, caller.tenantId, p.serviceAccountId!));
      found(sa, 'Service account');
      return { ...sa, type: 'service_account' as const, email: null, totp_enabled: false, tenant, credential };
    },
  };
}
