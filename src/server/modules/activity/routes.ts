import type { Module } from '../../types.js';
import { callerOf } from '../../lib/caller.js';
import { sendPage } from '../../lib/reply.js';
import { ListEnvelope, errorResponses } from '../../lib/schemas.js';
import { ActivityEntry, ActivityQuery } from './schemas.js';
import { createActivityService } from './service.js';

export const activityModule: Module = {
  name: 'activity',
  tag: { name: 'Activity', description: "The tenant's recent changes across projects, findings, assets and clients, as far as you may read them." },
  register(app, ctx) {
    const service = createActivityService(ctx);
    app.get('/activity', {
      schema: {
        operationId: 'listActivity', tags: ['Activity', 'Events'], summary: "List the tenant's changes, newest first (only object types you may read)",
        querystring: ActivityQuery, response: { 200: ListEnvelope(ActivityEntry), ...errorResponses },
      },
      // The scope depends on the object types: the service lists those the caller may read and
      // refuses (403) a caller who may read none.
      config: { principal: 'any' },
    }, async (req, reply) => sendPage(reply, await service.list(callerOf(req), req.query)));
  },
};
