import type { Database } from '../../../db/driver.js';
import { NotFoundError, rethrowReference } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { deleteRow, exists, getRow, insertRow, updateRow } from '../../lib/crud.js';
import { listRows, type ListQuery } from '../../lib/list.js';
import { ASSET_REFERENCES, assets } from './repo.js';

export type AssetService = ReturnType<typeof createAssetService>;

export function createAssetService({ db }: { db: Database }) {
  return {
    list: (tenantId: string, query: ListQuery) => db.tenant(tenantId, (q) => listRows(q, assets, tenantId, query)),

    listOfProject: (tenantId: string, projectId: string, query: ListQuery) =>
      db.tenant(tenantId, async (q) => {
        if (!(await exists(q, 'projects', tenantId, projectId))) throw new NotFoundError('Project');
        return listRows(q, assets, tenantId, query, { project_id: projectId });
      }),

    async get(tenantId: string, id: string): Promise<string> {
      const json = await db.tenant(tenantId, (q) => getRow(q, assets, tenantId, id));
      if (!json) throw new NotFoundError('Asset');
      return json;
    },

    create: (tenantId: string, body: Record<string, unknown>) =>
      db
        .tenant(tenantId, (q) => insertRow(q, assets, tenantId, { id: newId('asset'), ...body }))
        .catch((err) => rethrowReference(err, ASSET_REFERENCES)),

    async update(tenantId: string, id: string, patch: Record<string, unknown>): Promise<string> {
      const json = await db.tenant(tenantId, (q) => updateRow(q, assets, tenantId, id, patch));
      if (!json) throw new NotFoundError('Asset');
      return json;
    },

    /** Deletes the asset; findings that affected it lose the link, not their existence. */
    async remove(tenantId: string, id: string): Promise<string> {
      const json = await db.tenant(tenantId, (q) => deleteRow(q, assets, tenantId, id));
      if (!json) throw new NotFoundError('Asset');
      return json;
    },
  };
}
