import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Module } from '../../types.js';
import { callerOf } from '../../lib/caller.js';
import { flowCookie, flowCookieName, readCookies } from '../../lib/cookies.js';
import { Envelope, ErrorBody, errorResponses, publicErrorResponses } from '../../lib/schemas.js';
import { tenantFromHost } from '../../plugins/auth.js';
import { originOf } from '../invitations/routes.js';
import { setGrantCookies } from '../auth/routes.js';
import { Redirect, SsoCallbackQuery, SsoSettings, SsoSettingsUpdate, SsoStartQuery, SsoStatus, SsoStatusQuery } from './schemas.js';
import { createSsoService, PENDING_SECONDS, SsoError } from './service.js';

const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };

/**
 * The callback's URL carries the authorization code and the state: its request log line shows
 * the path and which parameters came, never their values (credentials never appear in the logs).
 */
const callbackLogSerializers = {
  req(req: { method?: string; url?: string; host?: string; hostname?: string; ip?: string; socket?: { remotePort?: number } }) {
    const [path, query = ''] = (req.url ?? '').split('?');
    const names = [...new URLSearchParams(query).keys()].map((k) => `${encodeURIComponent(k)}=…`).join('&');
    return { method: req.method, url: names ? `${path}?${names}` : path, host: req.host ?? req.hostname, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
  },
};
const FLOW_COOKIE = 'sso';

/** Sign-in through the tenant's own OpenID Connect provider: admin settings, and the browser flow. */
export const ssoModule: Module = {
  name: 'sso',
  tag: { name: 'Single sign-on', description: 'Sign-in through the tenant\'s own OpenID Connect provider (the platform is the relying party).' },
  register(app, ctx) {
    const service = createSsoService(ctx);
    const tags = ['Single sign-on'];
    const hostTenant = (req: FastifyRequest) => tenantFromHost(req.hostname, ctx.config.baseDomain);
    const secure = ctx.config.secureCookies;
    const metaOf = (req: FastifyRequest) => ({ ip: req.ip ?? null, userAgent: req.headers['user-agent'] ?? null, requestId: req.id });

    /** A failed sign-in goes back to the sign-in page with a code it turns into words (never a raw error page). */
    const toSignIn = (req: FastifyRequest, reply: FastifyReply, err: unknown) => {
      if (!(err instanceof SsoError)) throw err;
      if (err.detail) req.log.warn({ sso_error: err.code, detail: err.detail }, 'sso sign-in failed');
      const params = new URLSearchParams({ sso_error: err.code });
      if (err.tenantSlug && !hostTenant(req)) params.set('tenant', err.tenantSlug);
      return reply.code(302).headers(noStore).header('location', `/sign-in?${params}`)
        .header('set-cookie', flowCookie(req, FLOW_COOKIE, '', 0, secure)).send(null);
    };
    const redirectResponses = { 302: Redirect, ...publicErrorResponses };

    // ---- Settings (admins)

    app.get('/settings/sso', {
      schema: {
        operationId: 'getSsoSettings', tags, summary: 'The tenant\'s OpenID Connect provider (never the client secret)',
        response: { 200: Envelope(SsoSettings), ...errorResponses },
      },
      config: { scope: 'admin' },
    }, async (req, reply) => reply.headers(noStore).send({ success: true as const, data: await service.settings(callerOf(req), originOf(req)) }));

    app.put('/settings/sso', {
      schema: {
        operationId: 'updateSsoSettings', tags, body: SsoSettingsUpdate, response: { 200: Envelope(SsoSettings), ...errorResponses },
        summary: 'Set up or change sign-in through an OpenID Connect provider',
        description:
          'The issuer is discovered (`/.well-known/openid-configuration`) before anything is saved; a provider that does not answer is a ' +
          '400 on `issuer_url`. Register `redirect_uri` from the answer at the provider. The client secret is write-only: left out, the ' +
          'stored one stays. With `passwords_allowed: false`, password sign-in is refused for everyone but admins.',
      },
      config: { scope: 'admin' },
    }, async (req, reply) => reply.headers(noStore).send({ success: true as const, data: await service.update(callerOf(req), req.body, originOf(req)) }));

    app.delete('/settings/sso', {
      schema: {
        operationId: 'deleteSsoSettings', tags, summary: 'Turn single sign-on off and forget the provider (passwords work again for everyone)',
        response: { 204: Type.Null(), ...errorResponses },
      },
      config: { scope: 'admin' },
    }, async (req, reply) => {
      await service.remove(callerOf(req));
      return reply.code(204).send(null);
    });

    // ---- The browser flow (no credential)

    app.get('/auth/sso', {
      schema: {
        operationId: 'getSsoStatus', tags, security: [], querystring: SsoStatusQuery,
        response: { 200: Envelope(SsoStatus), 404: ErrorBody, ...publicErrorResponses },
        summary: 'Whether the tenant signs in through its provider, and the provider\'s name (for the sign-in page)',
        description: 'The tenant is the host\'s, else `tenant`, else the bootstrap tenant.',
      },
      config: { public: true },
    }, async (req, reply) => reply.headers(noStore).send({ success: true as const, data: await service.status(hostTenant(req), req.query.tenant) }));

    app.get('/auth/sso/start', {
      schema: {
        operationId: 'startSsoSignIn', tags, security: [], querystring: SsoStartQuery, response: redirectResponses,
        summary: 'Start signing in: 302 to the provider (authorization code with PKCE S256, state and nonce)',
        description:
          'Open it in the browser (a link, not a fetch). It sets a short-lived HttpOnly cookie that binds the sign-in to this browser; ' +
          'the provider sends the browser back to `/auth/sso/callback`. When the tenant has no provider on, 302 to ' +
          '`/sign-in?sso_error=sso_not_enabled`.',
      },
      config: { public: true },
    }, async (req, reply) => {
      try {
        const { url, binding } = await service.start(hostTenant(req), req.query.tenant, req.query.return_to, originOf(req));
        return reply.code(302).headers(noStore).header('location', url)
          .header('set-cookie', flowCookie(req, FLOW_COOKIE, binding, PENDING_SECONDS, secure)).send(null);
      } catch (err) {
        return toSignIn(req, reply, err);
      }
    });

    app.get('/auth/sso/callback', {
      schema: {
        operationId: 'finishSsoSignIn', tags, security: [], querystring: SsoCallbackQuery, response: redirectResponses,
        summary: 'Where the provider sends the browser back: verifies everything, signs in, 302 into the web app',
        description:
          'Signs the user in as `/auth/login` with `set_cookie: true` does (the same session cookies) and redirects to the `return_to` ' +
          'of the start. Any failure redirects to `/sign-in?sso_error=<code>`: `sso_state_invalid` (expired, used before, or another ' +
          'browser\'s), `sso_cancelled`, `sso_provider_error`, `sso_provider_unreachable`, `sso_token_invalid`, `sso_email_missing`, ' +
          '`sso_email_unverified`, `sso_domain_not_allowed`, `sso_account_inactive`, `sso_not_enabled`.',
      },
      config: { public: true },
      logSerializers: callbackLogSerializers,
    }, async (req, reply) => {
      try {
        const binding = readCookies(req)[flowCookieName(req, FLOW_COOKIE, secure)];
        const { grant, returnTo } = await service.callback(req.query as Record<string, unknown>, binding, hostTenant(req), metaOf(req));
        reply.header('set-cookie', flowCookie(req, FLOW_COOKIE, '', 0, secure));
        setGrantCookies(req, reply, grant, secure);
        return reply.code(302).headers(noStore).header('location', returnTo).send(null);
      } catch (err) {
        return toSignIn(req, reply, err);
      }
    });
  },
};
