import type { FastifyRequest } from 'fastify';
import type { Module } from '../../types.js';
import { Envelope, errorResponses } from '../../lib/schemas.js';
import { tenantFromHost } from '../../plugins/auth.js';
import { setGrantCookies } from '../auth/routes.js';
import { SetupBody, SetupResult, SetupStatus } from './schemas.js';
import { createSetupService } from './service.js';

const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };

export const setupModule: Module = {
  name: 'setup',
  tag: { name: 'Setup', description: 'First-run setup: the first admin of a tenant that has no user yet.' },
  register(app, ctx) {
    const service = createSetupService(ctx);
    const hostTenant = (req: FastifyRequest) => tenantFromHost(req.hostname, ctx.config.baseDomain);
    const tags = ['Setup'];

    app.get('/setup', {
      schema: {
        operationId: 'getSetupStatus', tags, security: [], response: { 200: Envelope(SetupStatus), ...errorResponses },
        summary: 'Whether the tenant of this host still needs its first admin (no credential needed)',
      },
      config: { public: true },
    }, async (req, reply) => reply.headers(noStore).send({ success: true as const, data: await service.status(hostTenant(req)) }));

    app.post('/setup', {
      schema: {
        operationId: 'completeSetup', tags, security: [], body: SetupBody, response: { 201: Envelope(SetupResult), ...errorResponses },
        summary: 'Create the first admin of a tenant without users, and sign them in (409 once the tenant has a user)',
        description:
          'The tenant is the host\'s (`acme.example.com`), or the bootstrap tenant on a host without one. Signs the new admin in as ' +
          '`/auth/login` with `set_cookie: true` does: session cookies, the CSRF token in `X-CSRF-Token`, and the tokens in ' +
          '`data.session`. Counted per IP like failed logins. 403 when the server has setup turned off (NEURO_SETUP_ENABLED=false).',
      },
      config: { public: true },
    }, async (req, reply) => {
      const meta = { ip: req.ip ?? null, userAgent: req.headers['user-agent'] ?? null, requestId: req.id };
      const { user, tenant, grant } = await service.complete(hostTenant(req), req.body, meta);
      setGrantCookies(req, reply, grant, ctx.config.secureCookies);
      return reply.code(201).headers(noStore).send({ success: true as const, data: { user: user as never, tenant, session: grant.body } });
    });
  },
};
