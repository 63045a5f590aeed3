import type { AppContext } from '../../types.js';
import type { Caller } from '../../lib/caller.js';
import { found } from '../../lib/errors.js';
import { recordEvent } from '../../lib/events.js';
import { newId } from '../../lib/ids.js';
import { listRows, type ListQuery } from '../../lib/list.js';
import * as repo from './repo.js';

export interface SaInput {
  name?: string;
  role?: string;
  description?: string | null;
  active?: boolean;
}

export function createServiceAccountService({ db, tokens }: Pick<AppContext, 'db' | 'tokens'>) {
  return {
    list: (caller: Caller, query: ListQuery) =>
      db.tenant(caller.tenantId, (q) => listRows(q, repo.serviceAccounts, caller.tenantId, { ...query, live: 'true' })),

    async get(caller: Caller, id: string): Promise<string> {
      return found(await db.tenant(caller.tenantId, (q) => repo.getJson(q, caller.tenantId, id)), 'Service account');
    },

    async create(caller: Caller, input: Required<Pick<SaInput, 'name' | 'role'>> & SaInput): Promise<string> {
      const id = newId('sa');
      return db.tenantTx(caller.tenantId, async (q) => {
        await q.query('INSERT INTO service_accounts (tenant_id, id, name, role, description) VALUES ($1, $2, $3, $4, $5)', [
          caller.tenantId, id, input.name, input.role, input.description ?? null,
        ]);
        const json = (await repo.getJson(q, caller.tenantId, id))!;
        await recordEvent(q, caller, { type: 'service_account.created', objectType: 'service_account', objectId: id, data: json });
        return json;
      });
    },

    async update(caller: Caller, id: string, input: SaInput): Promise<string> {
      const result = await db.tenantTx(caller.tenantId, async (q) => {
        const before = await repo.saState(q, caller.tenantId, id);
        if (!before) return undefined;
        const changes: Record<string, { old: unknown; new: unknown }> = {};
        for (const key of ['name', 'role', 'description', 'active'] as const) {
          if (input[key] !== undefined && input[key] !== before[key]) changes[key] = { old: before[key], new: input[key] };
        }
        const cols = Object.keys(changes);
        if (cols.length > 0) {
          const sets = cols.map((c, i) => `"${c}" = $${i + 3}`).join(', ');
          await q.query(`UPDATE service_accounts SET ${sets}, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [
            caller.tenantId, id, ...cols.map((c) => changes[c]!.new),
          ]);
        }
        const json = (await repo.getJson(q, caller.tenantId, id))!;
        if (cols.length > 0) {
          const ev = { objectType: 'service_account', objectId: id, data: json };
          await recordEvent(q, caller, { type: 'service_account.updated', changes, ...ev });
          if (changes.role) await recordEvent(q, caller, { type: 'service_account.role_changed', changes: { role: changes.role }, ...ev });
        }
        return { json, owner: Boolean(changes.role || changes.active) };
      });
      const { owner, json } = found(result, 'Service account');
      if (owner) tokens.forget([], [id]);
      return json;
    },

    /** Deletes the account and revokes every token it holds, at once. */
    async remove(caller: Caller, id: string): Promise<void> {
      const revoked = await db.tenantTx(caller.tenantId, async (q) => {
        const before = await repo.saState(q, caller.tenantId, id);
        if (!before) return undefined;
        const json = (await repo.getJson(q, caller.tenantId, id))!;
        const ids = await repo.softDelete(q, caller.tenantId, id);
        await recordEvent(q, caller, { type: 'service_account.deleted', objectType: 'service_account', objectId: id, data: json });
        for (const tokenId of ids) {
          await recordEvent(q, caller, { type: 'token.revoked', objectType: 'api_token', objectId: tokenId, data: { reason: 'service_account_deleted', service_account_id: id } });
        }
        return ids;
      });
      tokens.forget(found(revoked, 'Service account'), [id]);
    },
  };
}
