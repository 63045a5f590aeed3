import { Type } from 'typebox';
import type { Module } from '../../types.js';
import { callerOf } from '../../lib/caller.js';
import { Envelope, IdParams, ListEnvelope, errorResponses } from '../../lib/schemas.js';
import { dataBody, pageBody, sendData } from '../../lib/reply.js';
import { Finding, FindingCreate, FindingListQuery, FindingUpdate, FindingUpdateHeaders } from './schemas.js';
import { createCounterFolder } from './counter-fold.js';
import { createFindingService, parseIfMatch } from './service.js';

export const findingsModule: Module = {
  name: 'findings',
  tag: { name: 'Findings', description: 'Vulnerabilities found in a project, scored with CVSS 3.1 or 4.0.' },
  ids: { find: 'finding' },
  objects: [{ type: 'finding', table: 'findings', path: 'findings', name: 'Finding', tag: 'Findings', readScope: 'findings:read' }],
  events: [
    { type: 'finding.created', description: 'A finding was added.' },
    { type: 'finding.updated', description: 'A finding was modified; `changes` lists the fields with old and new values.' },
    { type: 'finding.status_changed', description: "A finding's status moved (sent in addition to finding.updated)." },
    { type: 'finding.deleted', description: 'A finding was removed; `data` is its last state.' },
  ],
  cachedTables: ['findings', 'finding_assets'],
  readOnlyFields: ['cvss_score'],
  register(app, ctx) {
    // The counters' slots are folded a while after the writes that made them (counter-fold.ts).
    const folder = createCounterFolder({ db: ctx.db, intervalMs: 30_000, log: app.log });
    const service = createFindingService({ ...ctx, folder });
    const tags = ['Findings'];
    const list = { querystring: FindingListQuery, response: { 200: ListEnvelope(Finding), ...errorResponses } };

    app.get('/findings', {
      schema: { operationId: 'listFindings', tags, summary: 'List findings', ...list },
      config: { cached: true, scope: 'findings:read' },
    }, (req, reply) => ctx.reads.send(req, reply, async () => pageBody(await service.list(callerOf(req), req.query))));

    app.get('/projects/:id/findings', {
      schema: { operationId: 'listProjectFindings', tags: ['Projects', ...tags], summary: "List a project's findings", params: IdParams, ...list },
      config: { cached: true, scope: 'findings:read' },
    }, (req, reply) => ctx.reads.send(req, reply, async () => pageBody(await service.listOfProject(callerOf(req), req.params.id, req.query))));

    app.get('/assets/:id/findings', {
      schema: { operationId: 'listAssetFindings', tags: ['Assets', ...tags], summary: 'List the findings affecting an asset', params: IdParams, ...list },
      config: { cached: true, scope: 'findings:read' },
    }, (req, reply) => ctx.reads.send(req, reply, async () => pageBody(await service.listOfAsset(callerOf(req), req.params.id, req.query))));

    app.get('/findings/:id', {
      schema: { operationId: 'getFinding', tags, summary: 'Get a finding', params: IdParams, response: { 200: Envelope(Finding), ...errorResponses } },
      config: { cached: true, scope: 'findings:read' },
    }, (req, reply) => ctx.reads.send(req, reply, async () => dataBody(await service.get(callerOf(req), req.params.id))));

    app.post('/findings', {
      schema: { operationId: 'createFinding', tags, summary: 'Create a finding', body: FindingCreate, response: { 201: Envelope(Finding), ...errorResponses } },
      config: { scope: 'findings:write' },
    }, async (req, reply) => sendData(reply, await service.create(callerOf(req), req.body), 201));

    app.put('/findings/:id', {
      schema: {
        operationId: 'updateFinding', tags, summary: 'Update a finding (only the fields sent)',
        description: "Send `If-Match` with the finding's `updated_at` as you read it to refuse the update with 409 `CONFLICT` when someone saved the finding meanwhile (the current `updated_at` is in `details`); without it, the last write wins.",
        headers: FindingUpdateHeaders, params: IdParams, body: FindingUpdate, response: { 200: Envelope(Finding), ...errorResponses },
      },
      config: { scope: 'findings:write' },
    }, async (req, reply) => sendData(reply, await service.update(callerOf(req), req.params.id, req.body, parseIfMatch(req.headers['if-match']))));

    app.delete('/findings/:id', {
      schema: { operationId: 'deleteFinding', tags, summary: 'Delete a finding', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { scope: 'findings:write' },
    }, async (req, reply) => {
      await service.remove(callerOf(req), req.params.id);
      return reply.code(204).send(null);
    });
    return { workers: [folder] };
  },
};
