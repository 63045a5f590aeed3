import { Type } from 'typebox';
import type { Module } from '../../types.js';
import { callerOf } from '../../lib/caller.js';
import { Envelope, ListEnvelope, errorResponses } from '../../lib/schemas.js';
import { sendData, sendPage } from '../../lib/reply.js';
import {
  ClientParams, GrantParams, Interaction, InteractionDone, OauthClient, OauthClientCreate, OauthClientCreated, OauthClientListQuery, OauthGrant,
  OauthGrantListQuery, UidParams,
} from './schemas.js';
import { createOauthService } from './service.js';
import { originOf } from './shared.js';

const noStore = { 'cache-control': 'no-store' };

/**
 * The OAuth 2.0 authorization server's JSON side, in the API envelope: the consent screen's
 * interaction endpoints, the tenant's OAuth clients (admins), and grants ("connected apps") —
 * each user's own, and all of the tenant's for admins. The protocol endpoints are in server.ts.
 */
export const oauthModule: Module = {
  name: 'oauth',
  tag: { name: 'OAuth 2.0', description: 'Apps connected through OAuth 2.0: clients, consent and grants. The protocol endpoints (/auth/oauth2/authorize, /token, /revoke, /introspect, /reg) follow RFC 6749 and are described by /.well-known/oauth-authorization-server.' },
  ids: { oac: 'OAuth client' },
  register(app, ctx) {
    const service = createOauthService(ctx);
    const tags = ['OAuth 2.0'];
    const done = { 200: Envelope(InteractionDone), ...errorResponses };

    app.get('/auth/oauth2/interaction/:uid', {
      schema: { operationId: 'getOauthInteraction', tags, summary: 'A pending authorization, for the consent screen (needs a signed-in session)', params: UidParams, response: { 200: Envelope(Interaction), ...errorResponses } },
      config: { principal: 'session' },
    }, async (req, reply) => reply.headers(noStore).send({ success: true, data: await service.getInteraction(callerOf(req), originOf(req), req.params.uid) }));

    app.post('/auth/oauth2/interaction/:uid/confirm', {
      schema: { operationId: 'confirmOauthInteraction', tags, summary: 'Allow the app the requested scopes (needs a signed-in session)', params: UidParams, response: done },
      config: { principal: 'session' },
    }, async (req) => ({ success: true as const, data: { redirect_to: await service.finishInteraction(callerOf(req), originOf(req), req.params.uid, true) } }));

    app.post('/auth/oauth2/interaction/:uid/deny', {
      schema: { operationId: 'denyOauthInteraction', tags, summary: 'Refuse the app (it gets access_denied; needs a signed-in session)', params: UidParams, response: done },
      config: { principal: 'session' },
    }, async (req) => ({ success: true as const, data: { redirect_to: await service.finishInteraction(callerOf(req), originOf(req), req.params.uid, false) } }));

    app.get('/oauth2/clients', {
      schema: { operationId: 'listOauthClients', tags, summary: 'List the OAuth clients of the tenant', querystring: OauthClientListQuery, response: { 200: ListEnvelope(OauthClient), ...errorResponses } },
      config: { scope: 'admin' },
    }, async (req, reply) => sendPage(reply, await service.listClients(callerOf(req), req.query)));

    app.get('/oauth2/clients/:id', {
      schema: { operationId: 'getOauthClient', tags, summary: 'Get an OAuth client', params: ClientParams, response: { 200: Envelope(OauthClient), ...errorResponses } },
      config: { scope: 'admin' },
    }, async (req, reply) => sendData(reply, await service.getClient(callerOf(req), req.params.id)));

    app.post('/oauth2/clients', {
      schema: { operationId: 'createOauthClient', tags, summary: 'Register an OAuth client (a confidential one\'s secret is shown only in this response)', body: OauthClientCreate, response: { 201: Envelope(OauthClientCreated), ...errorResponses } },
      config: { scope: 'admin' },
    }, async (req, reply) => sendData(reply.headers(noStore), await service.createClient(callerOf(req), req.body), 201));

    app.delete('/oauth2/clients/:id', {
      schema: { operationId: 'deleteOauthClient', tags, summary: 'Delete an OAuth client and revoke every grant and token it holds', params: ClientParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { scope: 'admin' },
    }, async (req, reply) => {
      await service.deleteClient(callerOf(req), req.params.id);
      return reply.code(204).send(null);
    });

    app.get('/oauth2/grants', {
      schema: { operationId: 'listOauthGrants', tags, summary: 'Every app connected by a user of the tenant', querystring: OauthGrantListQuery, response: { 200: ListEnvelope(OauthGrant), ...errorResponses } },
      config: { scope: 'admin' },
    }, async (req, reply) => sendPage(reply, await service.listGrants(callerOf(req), req.query)));

    app.delete('/oauth2/grants/:id', {
      schema: { operationId: 'revokeOauthGrant', tags, summary: 'Revoke a grant and every token issued under it', params: GrantParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { scope: 'admin' },
    }, async (req, reply) => {
      await service.revokeGrant(callerOf(req), req.params.id);
      return reply.code(204).send(null);
    });

    app.get('/user/oauth2/grants', {
      schema: { operationId: 'listOwnOauthGrants', tags, summary: 'The apps you connected (needs a signed-in session or an admin-scoped token)', querystring: OauthGrantListQuery, response: { 200: ListEnvelope(OauthGrant), ...errorResponses } },
      config: { principal: 'session-or-admin' },
    }, async (req, reply) => sendPage(reply, await service.listGrants(callerOf(req), req.query, req.principal.userId!)));

    app.delete('/user/oauth2/grants/:id', {
      schema: { operationId: 'revokeOwnOauthGrant', tags, summary: 'Disconnect an app: revoke your grant and its tokens (needs a signed-in session or an admin-scoped token)', params: GrantParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { principal: 'session-or-admin' },
    }, async (req, reply) => {
      await service.revokeGrant(callerOf(req), req.params.id, req.principal.userId!);
      return reply.code(204).send(null);
    });
  },
};
