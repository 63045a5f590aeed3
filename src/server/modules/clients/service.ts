import type { Database } from '../../../db/driver.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { deleteRow, getRow, insertRow, updateRow } from '../../lib/crud.js';
import { listRows, type ListQuery } from '../../lib/list.js';
import { clients, countProjects } from './repo.js';

export type ClientService = ReturnType<typeof createClientService>;

export function createClientService({ db }: { db: Database }) {
  return {
    list: (tenantId: string, query: ListQuery) => db.tenant(tenantId, (q) => listRows(q, clients, tenantId, query)),

    async get(tenantId: string, id: string): Promise<string> {
      const json = await db.tenant(tenantId, (q) => getRow(q, clients, tenantId, id));
      if (!json) throw new NotFoundError('Client');
      return json;
    },

    create: (tenantId: string, body: Record<string, unknown>) =>
      db.tenant(tenantId, (q) => insertRow(q, clients, tenantId, { id: newId('client'), ...body })),

    async update(tenantId: string, id: string, patch: Record<string, unknown>): Promise<string> {
      const json = await db.tenant(tenantId, (q) => updateRow(q, clients, tenantId, id, patch));
      if (!json) throw new NotFoundError('Client');
      return json;
    },

    async remove(tenantId: string, id: string): Promise<string> {
      return db.tenantTx(tenantId, async (q) => {
        const inUse = await countProjects(q, tenantId, id);
        if (inUse > 0) {
          throw new ConflictError(`Client has ${inUse} project(s); delete or reassign them first`, [
            { field: 'id', message: `referenced by ${inUse} project(s)` },
          ]);
        }
        const json = await deleteRow(q, clients, tenantId, id).catch((err: { code?: string }) => {
          // A project was added to this client while we looked.
          if (err.code === '23503') throw new ConflictError('Client has projects; delete or reassign them first');
          throw err;
        });
        if (!json) throw new NotFoundError('Client');
        return json;
      });
    },
  };
}
