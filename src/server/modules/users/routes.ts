import { Type } from 'typebox';
import type { Module } from '../../types.js';
import { callerOf } from '../../lib/caller.js';
import { Envelope, IdParams, ListEnvelope, errorResponses } from '../../lib/schemas.js';
import { sendData, sendPage } from '../../lib/reply.js';
import { Me, ProfileUpdate, User, UserCreate, UserCreated, UserListQuery, UserUpdate } from './schemas.js';
import { originOf } from '../invitations/routes.js';
import { createUserService } from './service.js';

export const usersModule: Module = {
  name: 'users',
  tag: { name: 'Users', description: 'People of the tenant and their roles.' },
  ids: { user: 'user' },
  register(app, ctx) {
    const service = createUserService(ctx);
    const tags = ['Users'];

    app.get('/user', {
      schema: { operationId: 'getCurrentUser', tags, summary: 'Who you are: your user (or service account), tenant and credential', response: { 200: Envelope(Me), ...errorResponses } },
      config: { principal: 'any' },
    }, async (req, reply) => reply.send({ success: true as const, data: (await service.me(callerOf(req))) as never }));

    app.patch('/user', {
      schema: {
        operationId: 'updateCurrentUser', tags, body: ProfileUpdate, response: { 200: Envelope(User), ...errorResponses },
        summary: 'Change your own name (needs a signed-in session or an admin-scoped token)',
      },
      config: { principal: 'session-or-admin' },
    }, async (req, reply) => sendData(reply, await service.updateSelf(callerOf(req), req.body)));

    app.get('/users', {
      schema: { operationId: 'listUsers', tags, summary: 'List users', querystring: UserListQuery, response: { 200: ListEnvelope(User), ...errorResponses } },
      config: { scope: 'users:read' },
    }, async (req, reply) => sendPage(reply, await service.list(callerOf(req), req.query)));

    app.get('/users/:id', {
      schema: { operationId: 'getUser', tags, summary: 'Get a user', params: IdParams, response: { 200: Envelope(User), ...errorResponses } },
      config: { scope: 'users:read' },
    }, async (req, reply) => sendData(reply, await service.get(callerOf(req), req.params.id)));

    app.post('/users', {
      schema: {
        operationId: 'createUser', tags, body: UserCreate, response: { 201: Envelope(UserCreated), ...errorResponses },
        summary: 'Create a user, with a password or without one: then the answer carries a one-time invitation link (7 days) where they set it',
      },
      config: { scope: 'users:write' },
    }, async (req, reply) => sendData(reply.headers({ 'cache-control': 'no-store' }), await service.create(callerOf(req), req.body, originOf(req)), 201));

    app.put('/users/:id', {
      schema: {
        operationId: 'updateUser', tags, summary: 'Change a user’s name, role or active state (deactivation ends their sessions and tokens at once)',
        params: IdParams, body: UserUpdate, response: { 200: Envelope(User), ...errorResponses },
      },
      config: { scope: 'users:write' },
    }, async (req, reply) => sendData(reply, await service.update(callerOf(req), req.params.id, req.body)));

    app.delete('/users/:id', {
      schema: { operationId: 'deleteUser', tags, summary: 'Deactivate a user: their sessions and tokens stop at once', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { scope: 'users:write' },
    }, async (req, reply) => {
      await service.remove(callerOf(req), req.params.id);
      return reply.code(204).send(null);
    });
  },
};
