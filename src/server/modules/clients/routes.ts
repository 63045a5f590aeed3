import { Type } from 'typebox';
import type { Module } from '../../types.js';
import { objectEvents } from '../../registry.js';
import { callerOf } from '../../lib/caller.js';
import { Envelope, IdParams, ListEnvelope, errorResponses } from '../../lib/schemas.js';
import { dataBody, pageBody, sendData } from '../../lib/reply.js';
import { Client, ClientCreate, ClientListQuery, ClientUpdate } from './schemas.js';
import { createClientService } from './service.js';

export const clientsModule: Module = {
  name: 'clients',
  tag: { name: 'Clients', description: 'The organisations you test for.' },
  ids: { client: 'client' },
  objects: [{ type: 'client', table: 'clients', path: 'clients', name: 'Client', tag: 'Clients', readScope: 'clients:read' }],
  events: objectEvents('client', {
    created: 'A client was created.',
    updated: 'A client was changed; `changes` lists the fields with old and new values.',
    deleted: 'A client was deleted; `data` is its last state.',
  }),
  cachedTables: ['clients', 'projects'],
  readOnlyFields: ['project_count'],
  register(app, ctx) {
    const service = createClientService(ctx);
    const tags = ['Clients'];

    app.get('/clients', {
      schema: { operationId: 'listClients', tags, summary: 'List clients', querystring: ClientListQuery, response: { 200: ListEnvelope(Client), ...errorResponses } },
      config: { cached: true, scope: 'clients:read' },
    }, (req, reply) => ctx.reads.send(req, reply, async () => pageBody(await service.list(callerOf(req), req.query))));

    app.get('/clients/:id', {
      schema: { operationId: 'getClient', tags, summary: 'Get a client', params: IdParams, response: { 200: Envelope(Client), ...errorResponses } },
      config: { cached: true, scope: 'clients:read' },
    }, (req, reply) => ctx.reads.send(req, reply, async () => dataBody(await service.get(callerOf(req), req.params.id))));

    app.post('/clients', {
      schema: { operationId: 'createClient', tags, summary: 'Create a client', body: ClientCreate, response: { 201: Envelope(Client), ...errorResponses } },
      config: { scope: 'clients:write' },
    }, async (req, reply) => sendData(reply, await service.create(callerOf(req), req.body), 201));

    app.put('/clients/:id', {
      schema: { operationId: 'updateClient', tags, summary: 'Update a client (only the fields sent)', params: IdParams, body: ClientUpdate, response: { 200: Envelope(Client), ...errorResponses } },
      config: { scope: 'clients:write' },
    }, async (req, reply) => sendData(reply, await service.update(callerOf(req), req.params.id, req.body)));

    app.delete('/clients/:id', {
      schema: { operationId: 'deleteClient', tags, summary: 'Delete a client without projects', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { scope: 'clients:write' },
    }, async (req, reply) => {
      await service.remove(callerOf(req), req.params.id);
      return reply.code(204).send(null);
    });
  },
};
