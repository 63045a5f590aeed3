import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { Module } from '../../types.js';
import { callerOf } from '../../lib/caller.js';
import { Envelope, IdParams, errorResponses } from '../../lib/schemas.js';
import { tenantFromHost } from '../../plugins/auth.js';
import { LinkInfo, LinkLookupBody, PasswordLink, SetPasswordBody } from './schemas.js';
import { createInvitationService, type LinkMeta } from './service.js';

const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** The origin the links point at: the one the admin's request came to. */
export function originOf(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

function metaOf(req: FastifyRequest): LinkMeta {
  return { ip: req.ip ?? null, userAgent: req.headers['user-agent'] ?? null, requestId: req.id };
}

/** Invitations and password resets: an admin issues a one-time link, the user sets their password with it. */
export const invitationsModule: Module = {
  name: 'invitations',
  register(app, ctx) {
    const service = createInvitationService(ctx);
    const hostTenant = (req: FastifyRequest) => tenantFromHost(req.hostname, ctx.config.baseDomain);
    const issued = { 201: Envelope(PasswordLink), ...errorResponses };

    app.post('/users/:id/invitation', {
      schema: {
        operationId: 'inviteUser', tags: ['Users'], params: IdParams, response: issued,
        summary: 'A new invitation link for a user without a password (valid 7 days, works once; replaces the previous link)',
      },
      config: { scope: 'users:write' },
    }, async (req, reply) =>
      reply.code(201).headers(noStore).send({ success: true as const, data: await service.issue(callerOf(req), req.params.id, 'invitation', originOf(req)) }));

    app.post('/users/:id/password-reset', {
      schema: {
        operationId: 'issuePasswordReset', tags: ['Users'], params: IdParams, response: issued,
        summary: 'A password reset link for a user (valid 1 hour, works once; replaces the previous link)',
      },
      config: { scope: 'users:write' },
    }, async (req, reply) =>
      reply.code(201).headers(noStore).send({ success: true as const, data: await service.issue(callerOf(req), req.params.id, 'password_reset', originOf(req)) }));

    const tags = ['Authentication'];
    app.post('/auth/invitations/lookup', {
      schema: {
        operationId: 'lookupInvitation', tags, security: [], body: LinkLookupBody, response: { 200: Envelope(LinkInfo), ...errorResponses },
        summary: 'Whom an invitation or password reset link is for (the token goes in the body, never in a URL)',
      },
      config: { public: true },
    }, async (req, reply) => reply.headers(noStore).send({ success: true as const, data: await service.lookup(req.body.token, hostTenant(req), metaOf(req)) }));

    app.post('/auth/invitations/accept', {
      schema: {
        operationId: 'acceptInvitation', tags, security: [], body: SetPasswordBody, response: { 204: Type.Null(), ...errorResponses },
        summary: 'Set your password with an invitation link; then log in',
      },
      config: { public: true },
    }, async (req, reply) => {
      await service.use('invitation', req.body.token, req.body.password, hostTenant(req), metaOf(req));
      return reply.code(204).send(null);
    });

    app.post('/auth/password-reset', {
      schema: {
        operationId: 'resetPassword', tags, security: [], body: SetPasswordBody, response: { 204: Type.Null(), ...errorResponses },
        summary: 'Set a new password with a password reset link (ends every session of the user)',
      },
      config: { public: true },
    }, async (req, reply) => {
      await service.use('password_reset', req.body.token, req.body.password, hostTenant(req), metaOf(req));
      return reply.code(204).send(null);
    });
  },
};
