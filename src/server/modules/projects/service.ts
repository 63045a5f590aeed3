import type { Database } from '../../../db/driver.js';
import { found, rethrowReference, ValidationError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { deleteRow, mustExist, getRow, insertRow, recordCascadeDeletes, updateRow } from '../../lib/crud.js';
import { findings } from '../findings/repo.js';
import { holdCounterFolds } from '../findings/counter-fold.js';
import { assets } from '../assets/repo.js';
import { listRows, type ListQuery } from '../../lib/list.js';
import { PROJECT_REFERENCES, projects } from './repo.js';
import type { Caller } from '../../lib/caller.js';

export type ProjectService = ReturnType<typeof createProjectService>;

type ProjectFields = { start_date?: string | null; end_date?: string | null } & Record<string, unknown>;

function checkDates(start: string | null | undefined, end: string | null | undefined) {
  if (start && end && end < start) throw new ValidationError([{ field: 'end_date', message: 'must not be before start_date' }]);
}

export function createProjectService({ db }: { db: Database }) {
  return {
    list: (caller: Caller, query: ListQuery) => db.tenant(caller.tenantId, (q) => listRows(q, projects, caller.tenantId, query)),

    listOfClient: (caller: Caller, clientId: string, query: ListQuery) =>
      db.tenant(caller.tenantId, async (q) => {
        await mustExist(q, 'clients', caller.tenantId, clientId, 'Client');
        return listRows(q, projects, caller.tenantId, query, { client_id: clientId });
      }),

    async get(caller: Caller, id: string): Promise<string> {
      return found(await db.tenant(caller.tenantId, (q) => getRow(q, projects, caller.tenantId, id)), 'Project');
    },

    create(caller: Caller, body: ProjectFields): Promise<string> {
      checkDates(body.start_date, body.end_date);
      return db
        .tenant(caller.tenantId, (q) => insertRow(q, projects, caller.tenantId, { id: newId('proj'), ...body }, { caller, objectType: 'project' }))
        .catch((err) => rethrowReference(err, PROJECT_REFERENCES));
    },

    async update(caller: Caller, id: string, patch: ProjectFields): Promise<string> {
      const json = await db
        .tenantTx(caller.tenantId, async (q) => {
          const json = await updateRow(q, projects, caller.tenantId, id, patch, { caller, objectType: 'project' });
          if (json) {
            const { start_date, end_date } = JSON.parse(json) as ProjectFields;
            checkDates(start_date, end_date);
          }
          return json;
        })
        .catch((err) => rethrowReference(err, PROJECT_REFERENCES));
      return found(json, 'Project');
    },

    /** Deletes the project with its findings and assets. */
    async remove(caller: Caller, id: string): Promise<string> {
      const json = await db.tenantTx(caller.tenantId, async (q) => {
        // Its findings and assets go with it, each with its own deleted event; the lock keeps new
        // ones (their foreign key needs a share lock on the project) out until this commits.
        // Before any counter row is locked: the counters' fold waits for nobody (findings/counter-fold.ts).
        await holdCounterFolds(q, caller.tenantId);
        await q.query('SELECT 1 FROM projects WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [caller.tenantId, id]);
        await recordCascadeDeletes(q, findings, caller.tenantId, 'project_id', id, { caller, objectType: 'finding' });
        await recordCascadeDeletes(q, assets, caller.tenantId, 'project_id', id, { caller, objectType: 'asset' });
        const json = await deleteRow(q, projects, caller.tenantId, id, { caller, objectType: 'project' });
        // The cascade to findings left zeroed counters behind.
        await q.query('DELETE FROM finding_counts WHERE tenant_id = $1 AND project_id = $2', [caller.tenantId, id]);
        return json;
      });
      return found(json, 'Project');
    },
  };
}
