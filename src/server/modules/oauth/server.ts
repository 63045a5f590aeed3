import type { IncomingMessage, ServerResponse } from 'node:http';
import middie from '@fastify/middie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { Type } from 'typebox';
import type { App, AppContext, Module, Worker } from '../../types.js';
import { SCOPES } from '../../lib/scopes.js';
import { oauthScope } from './context.js';
import { OAUTH_PATH, resourcesOf } from './provider.js';
import * as repo from './repo.js';
import { resolveOauth, tenantOfSlug, type OauthRequest } from './shared.js';

const kOauth = Symbol('oauth');
type RawWithOauth = IncomingMessage & { [kOauth]?: OauthRequest; originalUrl?: string };

const callbacks = new WeakMap<Provider, (req: IncomingMessage, res: ServerResponse) => unknown>();
function callbackOf(provider: Provider) {
  let cb = callbacks.get(provider);
  if (!cb) callbacks.set(provider, (cb = provider.callback()));
  return cb;
}

/** Runs oidc-provider on the raw request in the request's tenant scope (context.ts). */
function runProvider(o: OauthRequest, req: IncomingMessage, res: ServerResponse) {
  return oauthScope.run({ tenantId: o.tenantId }, () => callbackOf(o.provider)(req, res));
}

const ProtectedResource = Type.Object({
  resource: Type.String(),
  authorization_servers: Type.Array(Type.String()),
  scopes_supported: Type.Array(Type.String()),
  bearer_methods_supported: Type.Array(Type.String()),
  resource_name: Type.String(),
}, { additionalProperties: true });

/**
 * The OAuth 2.0 authorization server's protocol endpoints (oidc-provider, mounted with
 * @fastify/middie under /api/v1/auth/oauth2) and the metadata documents at the root: RFC 8414
 * authorization server metadata and RFC 9728 protected resource metadata (the MCP endpoint's and
 * the API's). They answer in the shapes their RFCs fix, not in the API envelope.
 */
export const oauthServerModule: Module = {
  name: 'oauth-server',
  mount: 'root',
  register(app, ctx) {
    app.register(async (s) => {
      // The request's provider and tenant, before middie hands the raw request to oidc-provider.
      s.addHook('onRequest', async (request) => {
        const o = await resolveOauth(ctx, request);
        // Dynamic client registration on a host without a tenant part registers in the bootstrap
        // tenant (the one a single-team install has); a tenant host registers in its own.
        if (o.tenantId === null && request.url.split('?')[0] === `${OAUTH_PATH}/register`) {
          o.tenantId = (await tenantOfSlug(ctx, ctx.config.bootstrapTenant))?.id ?? null;
        }
        (request.raw as RawWithOauth)[kOauth] = o;
      });
      await s.register(middie);
      s.use(OAUTH_PATH, (req: IncomingMessage, res: ServerResponse) => {
        const o = (req as RawWithOauth)[kOauth]!;
        void runProvider(o, req, res);
      });
      // Routes for middie to run on (it runs on matched routes only); oidc-provider answers them
      // all, so their handler is never reached.
      s.route({
        method: ['GET', 'POST', 'OPTIONS', 'DELETE', 'PUT'],
        url: `${OAUTH_PATH}/*`,
        schema: { hide: true },
        config: { public: true },
        handler: async (_req, reply) => reply.code(404).send({ error: 'invalid_request', error_description: 'unknown endpoint' }),
      });
    });

    // RFC 8414 metadata, at the root (what MCP clients and RFC 8414 clients ask for) and at the
    // path-suffixed name RFC 8414 §3.1 gives an issuer with a path.
    const metadata = async (request: FastifyRequest, reply: FastifyReply) => {
      const o = await resolveOauth(ctx, request);
      const raw = request.raw as RawWithOauth;
      raw.originalUrl = `${OAUTH_PATH}/.well-known/openid-configuration`;
      raw.url = '/.well-known/openid-configuration';
      reply.hijack();
      await runProvider(o, raw, reply.raw);
    };
    for (const url of ['/.well-known/oauth-authorization-server', `/.well-known/oauth-authorization-server${OAUTH_PATH}`]) {
      app.get(url, { schema: { hide: true }, config: { public: true } }, metadata);
    }

    // RFC 9728: what protects the MCP endpoint and the API, and which server issues its tokens.
    const protectedResource = (which: 'mcp' | 'api') => async (request: FastifyRequest) => {
      const o = await resolveOauth(ctx, request);
      return {
        resource: resourcesOf(o.origin)[which],
        authorization_servers: [`${o.origin}${OAUTH_PATH}`],
        scopes_supported: [...SCOPES],
        bearer_methods_supported: ['header'],
        resource_name: which === 'mcp' ? 'NEURO MCP server' : 'NEURO API',
      };
    };
    const prm = { schema: { hide: true, response: { 200: ProtectedResource } }, config: { public: true } };
    app.get('/.well-known/oauth-protected-resource/mcp', prm, protectedResource('mcp'));
    app.get('/.well-known/oauth-protected-resource/api/v1', prm, protectedResource('api'));

    return { workers: [sweeper(app, ctx)] };
  },
};

/** Deletes codes, tokens and interactions an hour after they expired. */
function sweeper(app: App, ctx: AppContext): Worker {
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'oauth-sweeper',
    start() {
      timer = setInterval(() => {
        ctx.db.system((q) => repo.sweepExpired(q)).catch((err) => app.log.warn({ err }, 'oauth sweep failed'));
      }, 10 * 60_000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
    },
  };
}
