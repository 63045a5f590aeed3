import type { Module } from '../../types.js';
import { callerOf } from '../../lib/caller.js';
import { Envelope, IdParams, ListEnvelope, errorResponses } from '../../lib/schemas.js';
import { sendData, sendPage } from '../../lib/crud.js';
import { User, UserListQuery } from './schemas.js';
import { createUserService } from './service.js';

export const usersModule: Module = {
  name: 'users',
  tag: { name: 'Users', description: 'People of the tenant and their roles.' },
  register(app, ctx) {
    const service = createUserService(ctx);
    const tags = ['Users'];

    app.get('/users', {
      schema: { operationId: 'listUsers', tags, summary: 'List users', querystring: UserListQuery, response: { 200: ListEnvelope(User), ...errorResponses } },
      config: { scope: 'users:read' },
    }, async (req, reply) => sendPage(reply, await service.list(callerOf(req), req.query)));

    app.get('/users/:id', {
      schema: { operationId: 'getUser', tags, summary: 'Get a user', params: IdParams, response: { 200: Envelope(User), ...errorResponses } },
      config: { scope: 'users:read' },
    }, async (req, reply) => sendData(reply, await service.get(callerOf(req), req.params.id)));
  },
};
