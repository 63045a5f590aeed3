import type { Database, Queryable } from '../../../db/driver.js';
import { NotFoundError, rethrowReference, ValidationError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { deleteRow, exists, getRow, insertRow, updateRow } from '../../lib/crud.js';
import { listRows, type ListQuery } from '../../lib/list.js';
import { scoreVector } from '../../lib/cvss.js';
import { FINDING_REFERENCES, findings, linkAssets, projectOf } from './repo.js';

export type FindingService = ReturnType<typeof createFindingService>;

type FindingFields = Record<string, unknown> & {
  severity?: string;
  cvss_vector?: string | null;
  asset_ids?: string[];
};

/**
 * The score always comes from the vector. A finding without an explicit severity takes the
 * vector's band (on create: Info without a vector; on update: only when the vector changes).
 */
function withCvss(fields: FindingFields, creating: boolean): Record<string, unknown> {
  const { asset_ids: _assets, ...row } = fields;
  if (typeof fields.cvss_vector === 'string') {
    const cvss = scoreVector(fields.cvss_vector);
    row.cvss_vector = cvss.vector;
    row.cvss_score = cvss.score;
    row.severity ??= cvss.severity;
  } else if (fields.cvss_vector === null) {
    row.cvss_score = null;
  }
  if (creating) row.severity ??= 'Info';
  return row;
}

async function setAssets(q: Queryable, tenantId: string, findingId: string, projectId: string, assetIds: string[]) {
  const missing = await linkAssets(q, tenantId, findingId, projectId, assetIds);
  if (missing.length > 0) {
    throw new ValidationError([{ field: 'asset_ids', message: `not assets of project ${projectId}: ${missing.join(', ')}` }]);
  }
}

export function createFindingService({ db }: { db: Database }) {
  return {
    list: (tenantId: string, query: ListQuery) => db.tenant(tenantId, (q) => listRows(q, findings, tenantId, query)),

    listOfProject: (tenantId: string, projectId: string, query: ListQuery) =>
      db.tenant(tenantId, async (q) => {
        if (!(await exists(q, 'projects', tenantId, projectId))) throw new NotFoundError('Project');
        return listRows(q, findings, tenantId, query, { project_id: projectId });
      }),

    listOfAsset: (tenantId: string, assetId: string, query: ListQuery) =>
      db.tenant(tenantId, async (q) => {
        if (!(await exists(q, 'assets', tenantId, assetId))) throw new NotFoundError('Asset');
        return listRows(q, findings, tenantId, { ...query, asset_id: assetId });
      }),

    async get(tenantId: string, id: string): Promise<string> {
      const json = await db.tenant(tenantId, (q) => getRow(q, findings, tenantId, id));
      if (!json) throw new NotFoundError('Finding');
      return json;
    },

    async create(tenantId: string, body: FindingFields & { project_id: string }): Promise<string> {
      const row = { id: newId('find'), ...withCvss(body, true) };
      const assetIds = body.asset_ids ?? [];
      const work =
        assetIds.length === 0
          ? db.tenant(tenantId, (q) => insertRow(q, findings, tenantId, row))
          : db.tenantTx(tenantId, async (q) => {
              await insertRow(q, findings, tenantId, row);
              await setAssets(q, tenantId, row.id, body.project_id, assetIds);
              return (await getRow(q, findings, tenantId, row.id))!;
            });
      return work.catch((err) => rethrowReference(err, FINDING_REFERENCES));
    },

    async update(tenantId: string, id: string, patch: FindingFields): Promise<string> {
      const row = withCvss(patch, false);
      const json = await db.tenantTx(tenantId, async (q) => {
        const projectId = await projectOf(q, tenantId, id);
        if (projectId === undefined) return undefined;
        if (patch.asset_ids) await setAssets(q, tenantId, id, projectId, patch.asset_ids);
        // With only asset_ids sent, row is empty and this still marks the finding updated.
        return updateRow(q, findings, tenantId, id, row);
      });
      if (!json) throw new NotFoundError('Finding');
      return json;
    },

    async remove(tenantId: string, id: string): Promise<string> {
      const json = await db.tenant(tenantId, (q) => deleteRow(q, findings, tenantId, id));
      if (!json) throw new NotFoundError('Finding');
      return json;
    },
  };
}
