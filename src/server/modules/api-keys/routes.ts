import { Type } from 'typebox';
import type { Module } from '../../types.js';
import { callerOf } from '../../lib/caller.js';
import { Envelope, IdParams, ListEnvelope, errorResponses } from '../../lib/schemas.js';
import { sendData, sendPage } from '../../lib/reply.js';
import { ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyListQuery, KeyIdParams, OwnKeyListQuery, RotateBody, ServiceKeyCreate } from './schemas.js';
import { createApiKeyService } from './service.js';
import { emptyBody } from '../auth/routes.js';

const noStore = { 'cache-control': 'no-store' };

/**
 * API tokens, one model: personal ones under /user/api-keys (and MCP tokens under
 * /user/mcp-tokens), every token of the tenant for admins under /api-keys.
 */
export const apiKeysModule: Module = {
  name: 'api-keys',
  tag: { name: 'API keys', description: 'API tokens (nf_live_…): personal, MCP and service tokens. The secret is shown once.' },
  ids: { tok: 'API token (personal, MCP or service)' },
  register(app, ctx) {
    const service = createApiKeyService(ctx);
    const tags = ['API keys'];
    const created = { 201: Envelope(ApiKeyCreated), ...errorResponses };
    const wrap = (data: unknown) => ({ success: true as const, data: data as never });
    const none = { 204: Type.Null(), ...errorResponses };

    // Self-service (neuralrepo-authentication.txt), in the envelope like every response (PRODUCT.md).
    app.post('/user/api-keys', {
      schema: { operationId: 'createOwnApiKey', tags, summary: 'Create a personal API key (needs a signed-in session)', body: ApiKeyCreate, response: created },
      config: { principal: 'session' },
    }, async (req, reply) => reply.code(201).headers(noStore).send(wrap(await service.createOwn(callerOf(req), req.body))));

    app.get('/user/api-keys', {
      schema: { operationId: 'listOwnApiKeys', tags, summary: 'Your API keys (masked, with last use; needs a signed-in session or an admin-scoped token)', querystring: OwnKeyListQuery, response: { 200: ListEnvelope(ApiKey), ...errorResponses } },
      config: { principal: 'session-or-admin' },
    }, async (req, reply) => sendPage(reply, await service.listOwn(callerOf(req), req.query)));

    app.delete('/user/api-keys/:id', {
      schema: { operationId: 'revokeOwnApiKey', tags, summary: 'Revoke one of your API keys at once (needs a signed-in session or an admin-scoped token)', params: IdParams, response: none },
      config: { principal: 'session-or-admin' },
    }, async (req, reply) => {
      await service.revokeOwn(callerOf(req), req.params.id, 'api');
      return reply.code(204).send(null);
    });

    app.post('/user/api-keys/:id/rotate', {
      schema: {
        operationId: 'rotateOwnApiKey', tags, summary: 'New secret, same settings; the old one is revoked (after an optional grace period)',
        params: IdParams, body: RotateBody, response: created,
      },
      config: { principal: 'user' },
      preValidation: emptyBody,
    }, async (req, reply) =>
      reply.code(201).headers(noStore).send(wrap(await service.rotateOwn(callerOf(req), req.params.id, req.body?.grace_period_seconds ?? 0, 'api'))));

    // MCP tokens (PRODUCT.md): the same model and scopes, for AI assistants' MCP clients.
    app.get('/user/mcp-tokens', {
      schema: { operationId: 'listMcpTokens', tags, summary: 'Your MCP tokens (masked)', querystring: OwnKeyListQuery, response: { 200: ListEnvelope(ApiKey), ...errorResponses } },
      config: { principal: 'session-or-admin' },
    }, async (req, reply) => sendPage(reply, await service.listOwnMcp(callerOf(req), req.query)));

    app.post('/user/mcp-tokens', {
      schema: { operationId: 'createMcpToken', tags, summary: 'Create an MCP token (same scopes as API keys)', body: ApiKeyCreate, response: created },
      config: { principal: 'session' },
    }, async (req, reply) => reply.code(201).headers(noStore).send(wrap(await service.createOwn(callerOf(req), req.body, 'mcp'))));

    app.delete('/user/mcp-tokens/:id', {
      schema: { operationId: 'revokeMcpToken', tags, summary: 'Revoke one of your MCP tokens', params: IdParams, response: none },
      config: { principal: 'session-or-admin' },
    }, async (req, reply) => {
      await service.revokeOwn(callerOf(req), req.params.id, 'mcp');
      return reply.code(204).send(null);
    });

    app.post('/user/mcp-tokens/:id/rotate', {
      schema: {
        operationId: 'rotateMcpToken', tags, summary: 'New secret for one of your MCP tokens, same settings; the old one is revoked (after an optional grace period)',
        params: IdParams, body: RotateBody, response: created,
      },
      config: { principal: 'user' },
      preValidation: emptyBody,
    }, async (req, reply) =>
      reply.code(201).headers(noStore).send(wrap(await service.rotateOwn(callerOf(req), req.params.id, req.body?.grace_period_seconds ?? 0, 'mcp'))));

    // Admin: every token of the tenant; service tokens are minted here.
    app.post('/api-keys', {
      schema: { operationId: 'createServiceApiKey', tags, summary: 'Mint a service token for a service account', body: ServiceKeyCreate, response: created },
      config: { scope: 'admin' },
    }, async (req, reply) => reply.code(201).headers(noStore).send(wrap(await service.createService(callerOf(req), req.body))));

    app.get('/api-keys', {
      schema: { operationId: 'listApiKeys', tags, summary: 'Every API token of the tenant (masked)', querystring: ApiKeyListQuery, response: { 200: ListEnvelope(ApiKey), ...errorResponses } },
      config: { scope: 'admin' },
    }, async (req, reply) => sendPage(reply, await service.listAll(callerOf(req), req.query)));

    app.get('/api-keys/:key_id', {
      schema: { operationId: 'getApiKey', tags, summary: 'One API token (masked)', params: KeyIdParams, response: { 200: Envelope(ApiKey), ...errorResponses } },
      config: { scope: 'admin' },
    }, async (req, reply) => sendData(reply, await service.getAny(callerOf(req), req.params.key_id)));

    app.delete('/api-keys/:key_id', {
      schema: { operationId: 'revokeApiKey', tags, summary: 'Revoke any token of the tenant at once', params: KeyIdParams, response: none },
      config: { scope: 'admin' },
    }, async (req, reply) => {
      await service.revokeAny(callerOf(req), req.params.key_id);
      return reply.code(204).send(null);
    });
  },
};
