import { Type } from 'typebox';
import type { Module } from '../../types.js';
import { objectEvents } from '../../registry.js';
import { callerOf } from '../../lib/caller.js';
import { Envelope, IdParams, ListEnvelope, errorResponses } from '../../lib/schemas.js';
import { dataBody, pageBody, sendData } from '../../lib/reply.js';
import { Asset, AssetCreate, AssetListQuery, AssetUpdate } from './schemas.js';
import { createAssetService } from './service.js';

export const assetsModule: Module = {
  name: 'assets',
  tag: { name: 'Assets', description: 'Hosts, applications, networks and other things in a project\'s scope.' },
  ids: { asset: 'asset' },
  objects: [{ type: 'asset', table: 'assets', path: 'assets', name: 'Asset', tag: 'Assets', readScope: 'assets:read' }],
  events: objectEvents('asset', {
    created: 'An asset was added to a project.',
    updated: 'An asset was changed; `changes` lists the fields with old and new values.',
    deleted: 'An asset was removed; `data` is its last state.',
  }),
  cachedTables: ['assets', 'finding_assets'],
  readOnlyFields: ['finding_count'],
  register(app, ctx) {
    const service = createAssetService(ctx);
    const tags = ['Assets'];
    const list = { querystring: AssetListQuery, response: { 200: ListEnvelope(Asset), ...errorResponses } };

    app.get('/assets', {
      schema: { operationId: 'listAssets', tags, summary: 'List assets', ...list },
      config: { cached: true, scope: 'assets:read' },
    }, (req, reply) => ctx.reads.send(req, reply, async () => pageBody(await service.list(callerOf(req), req.query))));

    app.get('/projects/:id/assets', {
      schema: { operationId: 'listProjectAssets', tags: ['Projects', ...tags], summary: "List a project's assets", params: IdParams, ...list },
      config: { cached: true, scope: 'assets:read' },
    }, (req, reply) => ctx.reads.send(req, reply, async () => pageBody(await service.listOfProject(callerOf(req), req.params.id, req.query))));

    app.get('/assets/:id', {
      schema: { operationId: 'getAsset', tags, summary: 'Get an asset', params: IdParams, response: { 200: Envelope(Asset), ...errorResponses } },
      config: { cached: true, scope: 'assets:read' },
    }, (req, reply) => ctx.reads.send(req, reply, async () => dataBody(await service.get(callerOf(req), req.params.id))));

    app.post('/assets', {
      schema: { operationId: 'createAsset', tags, summary: 'Create an asset', body: AssetCreate, response: { 201: Envelope(Asset), ...errorResponses } },
      config: { scope: 'assets:write' },
    }, async (req, reply) => sendData(reply, await service.create(callerOf(req), req.body), 201));

    app.put('/assets/:id', {
      schema: { operationId: 'updateAsset', tags, summary: 'Update an asset (only the fields sent)', params: IdParams, body: AssetUpdate, response: { 200: Envelope(Asset), ...errorResponses } },
      config: { scope: 'assets:write' },
    }, async (req, reply) => sendData(reply, await service.update(callerOf(req), req.params.id, req.body)));

    app.delete('/assets/:id', {
      schema: { operationId: 'deleteAsset', tags, summary: 'Delete an asset', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { scope: 'assets:write' },
    }, async (req, reply) => {
      await service.remove(callerOf(req), req.params.id);
      return reply.code(204).send(null);
    });
  },
};
