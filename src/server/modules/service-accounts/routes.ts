import { Type } from 'typebox';
import type { Module } from '../../types.js';
import { callerOf } from '../../lib/caller.js';
import { Envelope, IdParams, ListEnvelope, errorResponses } from '../../lib/schemas.js';
import { sendData, sendPage } from '../../lib/reply.js';
import { ServiceAccount, ServiceAccountCreate, ServiceAccountListQuery, ServiceAccountUpdate } from './schemas.js';
import { createServiceAccountService } from './service.js';

export const serviceAccountsModule: Module = {
  name: 'service-accounts',
  tag: { name: 'Service accounts', description: 'Non-human owners of service tokens, each with a role. Admins only.' },
  ids: { sa: 'service account' },
  register(app, ctx) {
    const service = createServiceAccountService(ctx);
    const tags = ['Service accounts'];
    const one = { 200: Envelope(ServiceAccount), ...errorResponses };

    app.get('/service-accounts', {
      schema: { operationId: 'listServiceAccounts', tags, summary: 'List service accounts', querystring: ServiceAccountListQuery, response: { 200: ListEnvelope(ServiceAccount), ...errorResponses } },
      config: { scope: 'admin' },
    }, async (req, reply) => sendPage(reply, await service.list(callerOf(req), req.query)));

    app.get('/service-accounts/:id', {
      schema: { operationId: 'getServiceAccount', tags, summary: 'Get a service account', params: IdParams, response: one },
      config: { scope: 'admin' },
    }, async (req, reply) => sendData(reply, await service.get(callerOf(req), req.params.id)));

    app.post('/service-accounts', {
      schema: { operationId: 'createServiceAccount', tags, summary: 'Create a service account', body: ServiceAccountCreate, response: { 201: Envelope(ServiceAccount), ...errorResponses } },
      config: { scope: 'admin' },
    }, async (req, reply) => sendData(reply, await service.create(callerOf(req), req.body), 201));

    app.put('/service-accounts/:id', {
      schema: { operationId: 'updateServiceAccount', tags, summary: 'Change a service account (a role change applies to its tokens at once)', params: IdParams, body: ServiceAccountUpdate, response: one },
      config: { scope: 'admin' },
    }, async (req, reply) => sendData(reply, await service.update(callerOf(req), req.params.id, req.body)));

    app.delete('/service-accounts/:id', {
      schema: { operationId: 'deleteServiceAccount', tags, summary: 'Delete a service account and revoke its tokens', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { scope: 'admin' },
    }, async (req, reply) => {
      await service.remove(callerOf(req), req.params.id);
      return reply.code(204).send(null);
    });
  },
};
