import { Type } from 'typebox';
import type { Module } from '../../types.js';
import { objectEvents } from '../../registry.js';
import { callerOf } from '../../lib/caller.js';
import { Envelope, IdParams, ListEnvelope, errorResponses } from '../../lib/schemas.js';
import { dataBody, pageBody, sendData } from '../../lib/reply.js';
import { Project, ProjectCreate, ProjectListQuery, ProjectUpdate } from './schemas.js';
import { createProjectService } from './service.js';

export const projectsModule: Module = {
  name: 'projects',
  tag: { name: 'Projects', description: 'Engagements: a client, a scope, dates, and the findings and assets in it.' },
  ids: { proj: 'project' },
  objects: [{ type: 'project', table: 'projects', path: 'projects', name: 'Project', tag: 'Projects', readScope: 'projects:read' }],
  events: objectEvents('project', {
    created: 'A project was created.',
    updated: 'A project was changed; `changes` lists the fields with old and new values.',
    deleted: 'A project was deleted, with its findings and assets; `data` is its last state.',
  }),
  // finding_count is summed from finding_counts, kept by triggers on findings (which bump the version).
  cachedTables: ['projects', { table: 'finding_counts', maintainedBy: 'findings' }],
  readOnlyFields: ['finding_count'],
  register(app, ctx) {
    const service = createProjectService(ctx);
    const tags = ['Projects'];

    app.get('/projects', {
      schema: { operationId: 'listProjects', tags, summary: 'List projects', querystring: ProjectListQuery, response: { 200: ListEnvelope(Project), ...errorResponses } },
      config: { cached: true, scope: 'projects:read' },
    }, (req, reply) => ctx.reads.send(req, reply, async () => pageBody(await service.list(callerOf(req), req.query))));

    app.get('/clients/:id/projects', {
      schema: { operationId: 'listClientProjects', tags: ['Clients', ...tags], summary: "List a client's projects", params: IdParams, querystring: ProjectListQuery, response: { 200: ListEnvelope(Project), ...errorResponses } },
      config: { cached: true, scope: 'projects:read' },
    }, (req, reply) => ctx.reads.send(req, reply, async () => pageBody(await service.listOfClient(callerOf(req), req.params.id, req.query))));

    app.get('/projects/:id', {
      schema: { operationId: 'getProject', tags, summary: 'Get a project', params: IdParams, response: { 200: Envelope(Project), ...errorResponses } },
      config: { cached: true, scope: 'projects:read' },
    }, (req, reply) => ctx.reads.send(req, reply, async () => dataBody(await service.get(callerOf(req), req.params.id))));

    app.post('/projects', {
      schema: { operationId: 'createProject', tags, summary: 'Create a project', body: ProjectCreate, response: { 201: Envelope(Project), ...errorResponses } },
      config: { scope: 'projects:write' },
    }, async (req, reply) => sendData(reply, await service.create(callerOf(req), req.body), 201));

    app.put('/projects/:id', {
      schema: { operationId: 'updateProject', tags, summary: 'Update a project (only the fields sent)', params: IdParams, body: ProjectUpdate, response: { 200: Envelope(Project), ...errorResponses } },
      config: { scope: 'projects:write' },
    }, async (req, reply) => sendData(reply, await service.update(callerOf(req), req.params.id, req.body)));

    app.delete('/projects/:id', {
      schema: { operationId: 'deleteProject', tags, summary: 'Delete a project with its findings and assets', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { scope: 'projects:write' },
    }, async (req, reply) => {
      await service.remove(callerOf(req), req.params.id);
      return reply.code(204).send(null);
    });
  },
};
