import type { Database } from '../../../db/driver.js';
import { found, rethrowReference } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { deleteRow, mustExist, getRow, insertRow, updateRow } from '../../lib/crud.js';
import { listRows, type ListQuery } from '../../lib/list.js';
import { ASSET_REFERENCES, assets } from './repo.js';
import type { Caller } from '../../lib/caller.js';

export type AssetService = ReturnType<typeof createAssetService>;

export function createAssetService({ db }: { db: Database }) {
  return {
    list: (caller: Caller, query: ListQuery) => db.tenant(caller.tenantId, (q) => listRows(q, assets, caller.tenantId, query)),

    listOfProject: (caller: Caller, projectId: string, query: ListQuery) =>
      db.tenant(caller.tenantId, async (q) => {
        await mustExist(q, 'projects', caller.tenantId, projectId, 'Project');
        return listRows(q, assets, caller.tenantId, query, { project_id: projectId });
      }),

    async get(caller: Caller, id: string): Promise<string> {
      return found(await db.tenant(caller.tenantId, (q) => getRow(q, assets, caller.tenantId, id)), 'Asset');
    },

    create: (caller: Caller, body: Record<string, unknown>) =>
      db
        .tenant(caller.tenantId, (q) => insertRow(q, assets, caller.tenantId, { id: newId('asset'), ...body }, { caller, objectType: 'asset' }))
        .catch((err) => rethrowReference(err, ASSET_REFERENCES)),

    async update(caller: Caller, id: string, patch: Record<string, unknown>): Promise<string> {
      return found(await db.tenant(caller.tenantId, (q) => updateRow(q, assets, caller.tenantId, id, patch, { caller, objectType: 'asset' })), 'Asset');
    },

    /** Deletes the asset; findings that affected it lose the link, not their existence. */
    async remove(caller: Caller, id: string): Promise<string> {
      return found(await db.tenant(caller.tenantId, (q) => deleteRow(q, assets, caller.tenantId, id, { caller, objectType: 'asset' })), 'Asset');
    },
  };
}
