import type { Database } from '../../../db/driver.js';
import { NotFoundError, rethrowReference, ValidationError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { deleteRow, exists, getRow, insertRow, updateRow } from '../../lib/crud.js';
import { listRows, type ListQuery } from '../../lib/list.js';
import { PROJECT_REFERENCES, projects } from './repo.js';

export type ProjectService = ReturnType<typeof createProjectService>;

type ProjectFields = { start_date?: string | null; end_date?: string | null } & Record<string, unknown>;

function checkDates(start: string | null | undefined, end: string | null | undefined) {
  if (start && end && end < start) throw new ValidationError([{ field: 'end_date', message: 'must not be before start_date' }]);
}

export function createProjectService({ db }: { db: Database }) {
  return {
    list: (tenantId: string, query: ListQuery) => db.tenant(tenantId, (q) => listRows(q, projects, tenantId, query)),

    listOfClient: (tenantId: string, clientId: string, query: ListQuery) =>
      db.tenant(tenantId, async (q) => {
        if (!(await exists(q, 'clients', tenantId, clientId))) throw new NotFoundError('Client');
        return listRows(q, projects, tenantId, query, { client_id: clientId });
      }),

    async get(tenantId: string, id: string): Promise<string> {
      const json = await db.tenant(tenantId, (q) => getRow(q, projects, tenantId, id));
      if (!json) throw new NotFoundError('Project');
      return json;
    },

    create(tenantId: string, body: ProjectFields): Promise<string> {
      checkDates(body.start_date, body.end_date);
      return db
        .tenant(tenantId, (q) => insertRow(q, projects, tenantId, { id: newId('proj'), ...body }))
        .catch((err) => rethrowReference(err, PROJECT_REFERENCES));
    },

    async update(tenantId: string, id: string, patch: ProjectFields): Promise<string> {
      const json = await db
        .tenantTx(tenantId, async (q) => {
          const json = await updateRow(q, projects, tenantId, id, patch);
          if (json) {
            const { start_date, end_date } = JSON.parse(json) as ProjectFields;
            checkDates(start_date, end_date);
          }
          return json;
        })
        .catch((err) => rethrowReference(err, PROJECT_REFERENCES));
      if (!json) throw new NotFoundError('Project');
      return json;
    },

    /** Deletes the project with its findings and assets. */
    async remove(tenantId: string, id: string): Promise<string> {
      const json = await db.tenantTx(tenantId, async (q) => {
        const json = await deleteRow(q, projects, tenantId, id);
        // The cascade to findings left zeroed counters behind.
        await q.query('DELETE FROM finding_counts WHERE tenant_id = $1 AND project_id = $2', [tenantId, id]);
        return json;
      });
      if (!json) throw new NotFoundError('Project');
      return json;
    },
  };
}
