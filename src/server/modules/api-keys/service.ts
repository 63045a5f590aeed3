import type { AppContext } from '../../types.js';
import type { Caller } from '../../lib/caller.js';
import { AppError, ForbiddenError, ValidationError, fieldError, found } from '../../lib/errors.js';
import { getRow } from '../../lib/crud.js';
import { recordEvent } from '../../lib/events.js';
import { listRows, type ListPage, type ListQuery } from '../../lib/list.js';
import { ROLE_SCOPES, ROLES, isScope, type Role } from '../../lib/scopes.js';
import { managesOwnCredentials } from '../../plugins/auth.js';
import * as repo from './repo.js';
import { apiTokens } from './repo.js';
import type { EXPIRES_IN } from './schemas.js';

export interface KeyInput {
  name?: string;
  label?: string;
  scopes?: string[];
  expires_in?: (typeof EXPIRES_IN)[number];
  expires_at?: string;
}

const DAY = 86_400_000;
const EXPIRY_MS: Record<string, number | null> = { never: null, '30d': 30 * DAY, '90d': 90 * DAY, '1y': 365 * DAY };

function nameOf(input: KeyInput): string {
  if (input.name !== undefined && input.label !== undefined && input.name !== input.label) {
    throw fieldError('label', 'differs from name; send one of them');
  }
  const name = (input.name ?? input.label)?.trim();
  if (!name) throw new ValidationError([{ field: 'name', message: 'is required (or label)' }]);
  return name;
}

function expiryOf(input: KeyInput, now = Date.now()): Date | null {
  if (input.expires_in !== undefined && input.expires_at !== undefined) {
    throw fieldError('expires_at', 'send expires_in or expires_at, not both');
  }
  if (input.expires_at !== undefined) {
    const at = new Date(input.expires_at);
    if (Number.isNaN(at.getTime()) || at.getTime() <= now) throw fieldError('expires_at', 'must be a date-time in the future');
    return at;
  }
  const ms = EXPIRY_MS[input.expires_in ?? 'never'];
  return ms == null ? null : new Date(now + ms);
}

/**
 * The scopes a new token gets: those asked for (default: everything the owner's role allows).
 * Unknown scopes are a 400; a scope the owner's role, or the caller's own credential, does not
 * allow is a 403: nobody mints a token with more than they have.
 */
function scopesOf(input: KeyInput, ownerRole: Role, callerScopes: readonly string[]): string[] {
  const allowed = ROLE_SCOPES[ownerRole] as readonly string[];
  if (input.scopes === undefined) {
    return callerScopes.includes('admin') ? [...allowed] : allowed.filter((s) => callerScopes.includes(s));
  }
  const unknown = input.scopes.filter((s) => !isScope(s));
  if (unknown.length) throw fieldError('scopes', `unknown scope(s): ${unknown.join(', ')}`);
  const beyondRole = input.scopes.filter((s) => !allowed.includes(s));
  if (beyondRole.length) {
    throw new ForbiddenError(`The role ${ownerRole} does not allow: ${beyondRole.join(', ')}`, 'PERMISSION_DENIED');
  }
  const beyondCaller = input.scopes.filter((s) => !callerScopes.includes(s) && !callerScopes.includes('admin'));
  if (beyondCaller.length) throw new ForbiddenError(`Your credential does not have: ${beyondCaller.join(', ')}`, 'PERMISSION_DENIED');
  if (input.scopes.length === 0) throw fieldError('scopes', 'must name at least one scope');
  return input.scopes;
}

function asRole(role: string): Role {
  return (ROLES as readonly string[]).includes(role) ? (role as Role) : 'viewer';
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;

export function createApiKeyService({ db, tokens }: Pick<AppContext, 'db' | 'tokens'>) {
  type Minted = Record<string, unknown>;

  async function mint(
    caller: Caller,
    owner: { kind: 'personal'; userId: string; role: Role } | { kind: 'service'; serviceAccountId: string; role: Role },
    input: KeyInput,
    purpose: 'api' | 'mcp',
  ): Promise<Minted> {
    const name = nameOf(input);
    const expiresAt = expiryOf(input);
    const scopes = scopesOf(input, owner.role, caller.principal!.scopes);
    return db.tenantTx(caller.tenantId, async (q) => {
      const created = await tokens.createToken(
        caller.tenantId,
        {
          kind: owner.kind,
          userId: owner.kind === 'personal' ? owner.userId : null,
          serviceAccountId: owner.kind === 'service' ? owner.serviceAccountId : null,
          name, scopes, expiresAt, purpose,
          createdBy: caller.principal!.userId ?? caller.principal!.serviceAccountId,
        },
        q,
      );
      const json = (await getRow(q, apiTokens, caller.tenantId, created.id))!;
      await recordEvent(q, caller, { type: 'token.created', objectType: 'api_token', objectId: created.id, data: json });
      const row = JSON.parse(json) as Minted;
      return { ...row, key: created.token };
    });
  }

  /** `own`: only a token of the caller's user, and only of that purpose (the route's kind). */
  async function revoke(caller: Caller, id: string, own?: { purpose: 'api' | 'mcp' }): Promise<void> {
    const done = await db.tenantTx(caller.tenantId, async (q) => {
      const t = await repo.tokenState(q, caller.tenantId, id);
      if (!t || (own && (t.user_id !== caller.principal!.userId || t.purpose !== own.purpose))) return false;
      if (t.revoked) return true;
      const json = await repo.revokeToken(q, caller.tenantId, id);
      if (json) await recordEvent(q, caller, { type: 'token.revoked', objectType: 'api_token', objectId: id, data: json });
      return true;
    });
    found(done || undefined, 'API key');
    tokens.forget([id]);
  }

  const ownList = (purpose: 'api' | 'mcp') => (caller: Caller, query: ListQuery): Promise<ListPage> =>
    db.tenant(caller.tenantId, (q) =>
      listRows(q, apiTokens, caller.tenantId, { status: 'active', ...query, purpose }, { user_id: caller.principal!.userId! }),
    );

  return {
    /** Self-service: a personal token of the caller (api) or an MCP token (mcp). */
    createOwn(caller: Caller, input: KeyInput, purpose: 'api' | 'mcp' = 'api') {
      const p = caller.principal!;
      return mint(caller, { kind: 'personal', userId: p.userId!, role: p.role }, input, purpose);
    },
    listOwn: ownList('api'),
    listOwnMcp: ownList('mcp'),
    revokeOwn: (caller: Caller, id: string, purpose: 'api' | 'mcp') => revoke(caller, id, { purpose }),

    /**
     * A new secret with the same name, scopes, expiry and purpose; the old one is revoked now or
     * at the end of the grace period. Any token may rotate itself; other keys need a signed-in
     * session or an admin-scoped token. Only tokens of the route's purpose.
     */
    async rotateOwn(caller: Caller, id: string, graceSeconds: number, purpose: 'api' | 'mcp'): Promise<Minted> {
      const p = caller.principal!;
      if (p.credentialId !== id && !managesOwnCredentials(p)) {
        throw new ForbiddenError('An API token can rotate only itself; sign in (or use an admin-scoped token) to rotate other keys');
      }
      const result = await db.tenantTx(caller.tenantId, async (q) => {
        const t = await repo.tokenState(q, caller.tenantId, id);
        if (!t || t.user_id !== p.userId || t.purpose !== purpose) return undefined;
        if (t.revoked) throw new AppError(409, 'CONFLICT', 'This key is revoked; create a new one');
        const created = await tokens.createToken(
          caller.tenantId,
          {
            kind: 'personal', userId: p.userId, name: t.name, scopes: t.scopes, purpose: t.purpose,
            expiresAt: t.expires_at === null ? null : new Date(t.expires_at), createdBy: p.userId, rotatedFrom: id,
          },
          q,
        );
        const old = (await repo.revokeToken(q, caller.tenantId, id, graceSeconds))!;
        const json = (await getRow(q, apiTokens, caller.tenantId, created.id))!;
        await recordEvent(q, caller, {
          type: 'token.rotated', objectType: 'api_token', objectId: id,
          data: { previous: JSON.parse(old), replacement: JSON.parse(json), grace_period_seconds: graceSeconds },
        });
        return { ...(JSON.parse(json) as Minted), key: created.token, previous_key_revoked_at: (JSON.parse(old) as Minted).revoked_at };
      });
      tokens.forget([id]);
      return found(result, 'API key');
    },

    /** Admin: a token for a service account (with no more than its role allows). */
    async createService(caller: Caller, input: KeyInput & { service_account_id: string }): Promise<Minted> {
      const sa = await db.tenant(caller.tenantId, (q) => repo.serviceAccountRole(q, caller.tenantId, input.service_account_id));
      if (!sa) throw fieldError('service_account_id', 'is not a service account of this tenant');
      return mint(caller, { kind: 'service', serviceAccountId: input.service_account_id, role: asRole(sa.role) }, input, 'api');
    },

    listAll: (caller: Caller, query: ListQuery) => db.tenant(caller.tenantId, (q) => listRows(q, apiTokens, caller.tenantId, query)),

    async getAny(caller: Caller, id: string): Promise<string> {
      return found(await db.tenant(caller.tenantId, (q) => getRow(q, apiTokens, caller.tenantId, id)), 'API key');
    },

    revokeAny: (caller: Caller, id: string) => revoke(caller, id),
  };
}
