import type { Database } from '../../../db/driver.js';
import { ConflictError, found } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { deleteRow, getRow, insertRow, updateRow } from '../../lib/crud.js';
import { listRows, type ListQuery } from '../../lib/list.js';
import { clients, countProjects } from './repo.js';
import type { Caller } from '../../lib/caller.js';

export type ClientService = ReturnType<typeof createClientService>;

export function createClientService({ db }: { db: Database }) {
  return {
    list: (caller: Caller, query: ListQuery) => db.tenant(caller.tenantId, (q) => listRows(q, clients, caller.tenantId, query)),

    async get(caller: Caller, id: string): Promise<string> {
      return found(await db.tenant(caller.tenantId, (q) => getRow(q, clients, caller.tenantId, id)), 'Client');
    },

    create: (caller: Caller, body: Record<string, unknown>) =>
      db.tenant(caller.tenantId, (q) => insertRow(q, clients, caller.tenantId, { id: newId('client'), ...body }, { caller, objectType: 'client' })),

    async update(caller: Caller, id: string, patch: Record<string, unknown>): Promise<string> {
      return found(await db.tenant(caller.tenantId, (q) => updateRow(q, clients, caller.tenantId, id, patch, { caller, objectType: 'client' })), 'Client');
    },

    async remove(caller: Caller, id: string): Promise<string> {
      return db.tenantTx(caller.tenantId, async (q) => {
        const inUse = await countProjects(q, caller.tenantId, id);
        if (inUse > 0) {
          throw new ConflictError(`Client has ${inUse} project(s); delete or reassign them first`, [
            { field: 'id', message: `referenced by ${inUse} project(s)` },
          ]);
        }
        const json = await deleteRow(q, clients, caller.tenantId, id, { caller, objectType: 'client' }).catch((err: { code?: string }) => {
          // A project was added to this client while we looked.
          if (err.code === '23503') throw new ConflictError('Client has projects; delete or reassign them first');
          throw err;
        });
        return found(json, 'Client');
      });
    },
  };
}
