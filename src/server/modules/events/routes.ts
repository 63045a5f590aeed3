import { Type } from 'typebox';
import type { Module } from '../../types.js';
import { callerOf } from '../../lib/caller.js';
import { exists } from '../../lib/crud.js';
import { sendData, sendPage } from '../../lib/reply.js';
import { NotFoundError } from '../../lib/errors.js';
import { listRows, type ListQuery } from '../../lib/list.js';
import { Envelope, IdParams, ListEnvelope, errorResponses } from '../../lib/schemas.js';
import type { Caller } from '../../lib/caller.js';
import type { Scope } from '../../lib/scopes.js';
import { EVENT_CATALOG } from './catalog.js';
import { history } from './repo.js';
import { EventTypeInfo, HistoryEntry, HistoryQuery } from './schemas.js';

/** The objects with a history: path segment, table, object type, scope, name in errors and docs. */
const OBJECTS = [
  { path: 'findings', table: 'findings', type: 'finding', scope: 'findings:read', name: 'Finding', tag: 'Findings' },
  { path: 'projects', table: 'projects', type: 'project', scope: 'projects:read', name: 'Project', tag: 'Projects' },
  { path: 'assets', table: 'assets', type: 'asset', scope: 'assets:read', name: 'Asset', tag: 'Assets' },
  { path: 'clients', table: 'clients', type: 'client', scope: 'clients:read', name: 'Client', tag: 'Clients' },
] as const satisfies readonly { path: string; table: string; type: string; scope: Scope; name: string; tag: string }[];

export const eventsModule: Module = {
  name: 'events',
  tag: { name: 'Events', description: 'The event catalog, and each object\'s change history.' },
  register(app, ctx) {
    const { db } = ctx;
    const catalogJson = JSON.stringify(EVENT_CATALOG);

    app.get('/webhooks/events', {
      schema: { operationId: 'listEventTypes', tags: ['Webhooks', 'Events'], summary: 'List the event types webhooks can receive', response: { 200: Envelope(Type.Array(EventTypeInfo)), ...errorResponses } },
      config: { scope: 'webhooks:read' },
    }, async (_req, reply) => sendData(reply, catalogJson));

    for (const o of OBJECTS) {
      const list = (caller: Caller, id: string, query: ListQuery) =>
        db.tenant(caller.tenantId, async (q) => {
          // After deletion the history stays readable to admins through GET /audit-log?object_id=…
          if (!(await exists(q, o.table, caller.tenantId, id))) throw new NotFoundError(o.name);
          return listRows(q, history, caller.tenantId, query, { object_type: o.type, object_id: id });
        });
      app.get(`/${o.path}/:id/history`, {
        schema: {
          operationId: `get${o.name}History`, tags: [o.tag, 'Events'], summary: `List a ${o.type}'s changes, newest first`,
          params: IdParams, querystring: HistoryQuery, response: { 200: ListEnvelope(HistoryEntry), ...errorResponses },
        },
        config: { scope: o.scope },
      }, async (req, reply) => sendPage(reply, await list(callerOf(req), req.params.id, req.query)));
    }
  },
};
