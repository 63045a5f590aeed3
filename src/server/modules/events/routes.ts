import { Type } from 'typebox';
import type { Module } from '../../types.js';
import { callerOf } from '../../lib/caller.js';
import { mustExist } from '../../lib/crud.js';
import { sendData, sendPage } from '../../lib/reply.js';
import { listRows } from '../../lib/list.js';
import { Envelope, IdParams, ListEnvelope, errorResponses } from '../../lib/schemas.js';
import { historyOf } from './repo.js';
import { EVENT_STREAM_DESCRIPTION, EventTypeInfo, HistoryEntry, HistoryQuery, StreamHeaders, StreamQuery } from './schemas.js';
import { createStreamHub } from './stream-hub.js';
import { createEventStream } from './stream.js';

export const eventsModule: Module = {
  name: 'events',
  tag: { name: 'Events', description: 'The event catalog, and each object\'s change history.' },
  ids: { evt: 'event' },
  register(app, ctx) {
    const { db, registry } = ctx;
    const catalogJson = JSON.stringify(registry.events.map(({ type, description }) => ({ type, description })));
    const history = historyOf(registry.events.map((e) => e.type));

    app.get('/webhooks/events', {
      schema: { operationId: 'listEventTypes', tags: ['Webhooks', 'Events'], summary: 'List the event types webhooks can receive', response: { 200: Envelope(Type.Array(EventTypeInfo)), ...errorResponses } },
      config: { scope: 'webhooks:read' },
    }, async (_req, reply) => sendData(reply, catalogJson));

    // Every object type a module declares has its history.
    for (const o of registry.objects) {
      app.get(`/${o.path}/:id/history`, {
        schema: {
          operationId: `get${o.name}History`, tags: [o.tag, 'Events'], summary: `List a ${o.type}'s changes, newest first`,
          params: IdParams, querystring: HistoryQuery, response: { 200: ListEnvelope(HistoryEntry), ...errorResponses },
        },
        config: { scope: o.readScope },
      }, async (req, reply) => {
        const caller = callerOf(req);
        const page = await db.tenant(caller.tenantId, async (q) => {
          // After deletion the history stays readable to admins through GET /audit-log?object_id=…
          await mustExist(q, o.table, caller.tenantId, req.params.id, o.name);
          return listRows(q, history, caller.tenantId, req.query, { object_type: o.type, object_id: req.params.id });
        });
        return sendPage(reply, page);
      });
    }

    const hub = createStreamHub({ db, types: [...registry.streamedEvents.keys()], pollMs: ctx.config.eventsStream.pollMs, log: app.log });
    app.get('/events/stream', {
      exposeHeadRoute: false,
      schema: {
        operationId: 'streamEvents', tags: ['Events'], summary: 'Stream the tenant\'s events live (Server-Sent Events)',
        description: EVENT_STREAM_DESCRIPTION, querystring: StreamQuery, headers: StreamHeaders,
        response: {
          200: { description: 'An event stream', content: { 'text/event-stream': { schema: Type.String({ contentMediaType: 'text/event-stream' }) } } },
          ...errorResponses,
        },
      },
      // Each event type needs its own read scope; the handler sends only those the caller has.
      config: { principal: 'any' },
    }, createEventStream(ctx, hub));
    return { workers: [hub] };
  },
};
