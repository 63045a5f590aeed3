import type { Database, Queryable } from '../../../db/driver.js';
import { ConflictError, fieldError, found, rethrowReference, ValidationError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { deleteRow, mustExist, getRow, insertRow, insertRows, updateRow } from '../../lib/crud.js';
import { Batcher } from '../../lib/batcher.js';
import { listRows, type ListQuery } from '../../lib/list.js';
import { scoreVector } from '../../lib/cvss.js';
import { assetIdList, FINDING_REFERENCES, findings, linkAssets, lockFinding } from './repo.js';
import type { Caller } from '../../lib/caller.js';
import type { ReadCache } from '../../lib/read-cache.js';
import type { CounterFolder } from './counter-fold.js';
import { recordEvent } from '../../lib/events.js';

export type FindingService = ReturnType<typeof createFindingService>;

type FindingFields = Record<string, unknown> & {
  severity?: string;
  cvss_vector?: string | null;
  asset_ids?: string[];
};

/**
 * The score always comes from the vector. A finding without an explicit severity takes the
 * vector's band (on create: Info without a vector; on update: only when the vector changes).
 * Clearing the vector of a finding takes a severity with it: the band it had came from the vector,
 * and keeping or dropping it silently would both be a guess.
 */
function withCvss(fields: FindingFields, creating: boolean): Record<string, unknown> {
  if (!creating && fields.cvss_vector === null && fields.severity === undefined) {
    throw fieldError('severity', 'is required when cvss_vector is cleared (null): send the severity the finding has without a vector');
  }
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

/**
 * An `If-Match` precondition: the `updated_at` the client last read (ISO 8601, optionally quoted
 * like an entity tag; `*` matches any). Undefined when there is none, so clients without it keep
 * last-write-wins.
 */
export function parseIfMatch(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1').trim();
  if (value === '*') return undefined;
  const time = /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : undefined;
  if (!time || Number.isNaN(time.getTime())) {
    throw fieldError('If-Match', "must be the finding's updated_at as the API returned it, e.g. 2025-01-31T12:00:00.000Z");
  }
  return time.toISOString();
}

/** A finding's update also emits finding.status_changed when its status moves. */
const FINDING_EVENTS = (caller: Caller) => ({ caller, objectType: 'finding', fieldEvents: { status: 'finding.status_changed' } });

interface Create {
  caller: Caller;
  values: Record<string, unknown>;
}

export function createFindingService({ db, reads, folder }: { db: Database; reads?: ReadCache; folder?: CounterFolder }) {
  const totals = reads?.totals;
  /** A finding was written (result: its JSON; undefined when none was found): the tenant's counters are folded at the folder's next round. */
  const written = <T>(tenantId: string, result: T): T => {
    if (result !== undefined) folder?.written(tenantId);
    return result;
  };
  // Creates without asset links are batched (lib/batcher.ts): scanners and imports send many at once.
  const creates = new Batcher<Create, string>(async (items) => {
    const tenantId = items[0]!.caller.tenantId;
    try {
      return await db.tenant(tenantId, (q) => insertRows(q, findings, tenantId, 'finding', items));
    } catch (err) {
      if (items.length === 1 || !(err instanceof Error)) return items.map(() => err as Error);
      // One of them failed (a project that does not exist, say): each on its own, for its own answer.
      return Promise.all(items.map((item) =>
        db.tenant(tenantId, (q) => insertRows(q, findings, tenantId, 'finding', [item])).then((j) => j[0]!, (e: Error) => e)));
    }
  });

  return {
    list: (caller: Caller, query: ListQuery) => db.tenant(caller.tenantId, (q) => listRows(q, findings, caller.tenantId, query, {}, totals)),

    listOfProject: (caller: Caller, projectId: string, query: ListQuery) =>
      db.tenant(caller.tenantId, async (q) => {
        await mustExist(q, 'projects', caller.tenantId, projectId, 'Project');
        return listRows(q, findings, caller.tenantId, query, { project_id: projectId }, totals);
      }),

    listOfAsset: (caller: Caller, assetId: string, query: ListQuery) =>
      db.tenant(caller.tenantId, async (q) => {
        await mustExist(q, 'assets', caller.tenantId, assetId, 'Asset');
        return listRows(q, findings, caller.tenantId, { ...query, asset_id: assetId }, {}, totals);
      }),

    async get(caller: Caller, id: string): Promise<string> {
      return found(await db.tenant(caller.tenantId, (q) => getRow(q, findings, caller.tenantId, id)), 'Finding');
    },

    async create(caller: Caller, body: FindingFields & { project_id: string }): Promise<string> {
      const row = { id: newId('find'), ...withCvss(body, true) };
      const assetIds = body.asset_ids ?? [];
      const work =
        assetIds.length === 0
          ? creates.add(`${caller.tenantId} ${Object.keys(row).join(',')}`, { caller, values: row })
          : db.tenantTx(caller.tenantId, async (q) => {
              // The row carries its links' ids (0020_finding_asset_ids.sql); linking checks them.
              await insertRow(q, findings, caller.tenantId, { ...row, asset_ids: assetIdList(assetIds) });
              await setAssets(q, caller.tenantId, row.id, body.project_id, assetIds);
              const json = (await getRow(q, findings, caller.tenantId, row.id))!;
              await recordEvent(q, caller, { type: 'finding.created', objectType: 'finding', objectId: row.id, data: json });
              return json;
            });
      return work.then((json) => written(caller.tenantId, json), (err) => rethrowReference(err, FINDING_REFERENCES));
    },

    /** With `ifMatch` (see parseIfMatch), a finding saved by someone else meanwhile is refused with 409 and left as it is. */
    async update(caller: Caller, id: string, patch: FindingFields, ifMatch?: string): Promise<string> {
      const row = withCvss(patch, false);
      const json = await db.tenantTx(caller.tenantId, async (q) => {
        const current = await lockFinding(q, caller.tenantId, id);
        if (current === undefined) return undefined;
        if (ifMatch !== undefined && current.updated_at !== ifMatch) {
          throw new ConflictError(
            `The finding was changed at ${current.updated_at}, after the version you sent (${ifMatch}): load it again, or send If-Match with its current updated_at to overwrite`,
            [{ field: 'updated_at', message: current.updated_at }],
          );
        }
        // The row carries its links' ids (0020_finding_asset_ids.sql), written with the rest of the
        // change (its event's old and new state both read off the row); the links follow, checked
        // against the finding's project. With only asset_ids sent, this still marks the finding updated.
        const json = await updateRow(q, findings, caller.tenantId, id,
          patch.asset_ids ? { ...row, asset_ids: assetIdList(patch.asset_ids) } : row, FINDING_EVENTS(caller));
        if (patch.asset_ids) await setAssets(q, caller.tenantId, id, current.project_id, patch.asset_ids);
        return json;
      });
      return found(written(caller.tenantId, json), 'Finding');
    },

    async remove(caller: Caller, id: string): Promise<string> {
      return found(written(caller.tenantId, await db.tenant(caller.tenantId, (q) => deleteRow(q, findings, caller.tenantId, id, { caller, objectType: 'finding' }))), 'Finding');
    },
  };
}
