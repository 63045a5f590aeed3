import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { Module } from '../../types.js';
import { callerOf } from '../../lib/caller.js';
import { Envelope, IdParams, ListEnvelope, errorResponses, publicErrorResponses } from '../../lib/schemas.js';
import { sendPage } from '../../lib/reply.js';
import { clearSessionCookies, passesCsrf, readCookies, sessionCookieNames, setSessionCookies } from '../../lib/cookies.js';
import { ForbiddenError, fieldError } from '../../lib/errors.js';
import { tenantFromHost } from '../../plugins/auth.js';
import {
  Jwks, LoginBody, PasswordChange, RefreshBody, Session, SessionListQuery, TokenResponse, TotpDisableBody, TotpDisabled,
  TotpEnableBody, TotpEnabled, TotpSetup,
} from './schemas.js';
import { createAuthService, type RequestMeta, type SessionGrant } from './service.js';

function metaOf(req: FastifyRequest): RequestMeta {
  return { ip: req.ip ?? null, userAgent: req.headers['user-agent'] ?? null, requestId: req.id };
}

const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** A POST whose fields are all optional may come without a body (the browser's cookie refresh). */
export async function emptyBody(req: FastifyRequest) {
  if (req.body === undefined || req.body === null) req.body = {};
}

/** A browser session: the grant's tokens as cookies, the CSRF token in X-CSRF-Token (login, refresh, setup). */
export function setGrantCookies(req: FastifyRequest, reply: Parameters<typeof setSessionCookies>[1], g: SessionGrant, secureCookies: boolean) {
  setSessionCookies(req, reply, {
    accessToken: g.body.access_token, accessSeconds: g.body.expires_in, refreshToken: g.body.refresh_token,
    refreshSeconds: g.sessionSeconds, csrf: g.csrf,
  }, secureCookies);
}

export const authModule: Module = {
  name: 'auth',
  tag: { name: 'Authentication', description: 'Login, refresh tokens, sessions, two-factor authentication, passwords.' },
  ids: { sess: 'login session' },
  register(app, ctx) {
    const service = createAuthService(ctx);
    const tags = ['Authentication'];
    const cookies = (req: FastifyRequest, reply: Parameters<typeof setSessionCookies>[1], g: SessionGrant) =>
      setGrantCookies(req, reply, g, ctx.config.secureCookies);

    app.post('/auth/login', {
      schema: {
        operationId: 'login', tags, security: [],
        summary: 'Log in with email and password (and a TOTP or recovery code when 2FA is on)',
        description:
          'The tenant is the one of the host name (`acme.example.com`); on a host without one, the `tenant` field, or else the ' +
          'account of the email that the password fits (if it fits several, 400 asking for `tenant`). With `set_cookie: true` the ' +
          'session is also set as HttpOnly cookies (`__Host-` and Secure over HTTPS and on localhost, unprefixed over plain HTTP ' +
          'elsewhere) and the CSRF token comes in `X-CSRF-Token`.',
        body: LoginBody,
        response: { 200: TokenResponse, ...errorResponses },
      },
      config: { public: true },
    }, async (req, reply) => {
      const grant = await service.login(req.body, tenantFromHost(req.hostname, ctx.config.baseDomain), metaOf(req));
      if (req.body.set_cookie) cookies(req, reply, grant);
      return reply.headers(noStore).send(grant.body);
    });

    app.post('/auth/refresh', {
      schema: {
        operationId: 'refreshToken', tags, security: [],
        summary: 'Exchange a refresh token for a new access token and refresh token (the old one stops working)',
        body: RefreshBody,
        response: { 200: TokenResponse, ...errorResponses },
      },
      config: { public: true },
      preValidation: emptyBody,
    }, async (req, reply) => {
      let token = req.body?.refresh_token;
      let viaCookie = false;
      if (!token) {
        token = readCookies(req)[sessionCookieNames(req, ctx.config.secureCookies).refresh];
        viaCookie = token !== undefined;
      }
      if (!token) throw fieldError('refresh_token', 'is required');
      if (viaCookie) {
        const sid = await service.sessionOfRefreshToken(token);
        if (sid && !passesCsrf(req, ctx.secret, sid)) throw new ForbiddenError('CSRF check failed: send the X-CSRF-Token header from the same origin');
      }
      const grant = await service.refresh(token, tenantFromHost(req.hostname, ctx.config.baseDomain), metaOf(req));
      if (viaCookie) cookies(req, reply, grant);
      return reply.headers(noStore).send(grant.body);
    });

    app.post('/auth/logout', {
      schema: { operationId: 'logout', tags, summary: 'End the current session', response: { 204: Type.Null(), ...errorResponses } },
      config: { principal: 'session' },
    }, async (req, reply) => {
      await service.logout(callerOf(req));
      clearSessionCookies(req, reply, ctx.config.secureCookies);
      return reply.code(204).send(null);
    });

    app.get('/auth/jwks.json', {
      schema: { operationId: 'getJwks', tags, security: [], summary: 'Public keys that verify access tokens (JWK set)', response: { 200: Jwks, ...publicErrorResponses } },
      config: { public: true },
    }, async () => ctx.keys.jwks());

    app.get('/user/sessions', {
      schema: { operationId: 'listSessions', tags, summary: 'Your active sessions (needs a signed-in session or an admin-scoped token)', querystring: SessionListQuery, response: { 200: ListEnvelope(Session), ...errorResponses } },
      config: { principal: 'session-or-admin' },
    }, async (req, reply) => sendPage(reply, await service.listSessions(callerOf(req), req.query)));

    app.delete('/user/sessions/:id', {
      schema: { operationId: 'revokeSession', tags, summary: 'End one of your sessions', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
      config: { principal: 'session-or-admin' },
    }, async (req, reply) => {
      await service.revokeSession(callerOf(req), req.params.id);
      return reply.code(204).send(null);
    });

    app.put('/user/password', {
      schema: {
        operationId: 'changePassword', tags, summary: 'Change your password (ends your other sessions)',
        body: PasswordChange, response: { 204: Type.Null(), ...errorResponses },
      },
      config: { principal: 'session' },
    }, async (req, reply) => {
      await service.changePassword(callerOf(req), req.body);
      return reply.code(204).send(null);
    });

    app.post('/user/2fa/setup', {
      schema: { operationId: 'setupTotp', tags, summary: 'Start TOTP 2FA: a new secret to scan', response: { 200: Envelope(TotpSetup), ...errorResponses } },
      config: { principal: 'session' },
    }, async (req, reply) => reply.headers(noStore).send({ success: true as const, data: await service.setupTotp(callerOf(req)) }));

    app.post('/user/2fa/enable', {
      schema: {
        operationId: 'enableTotp', tags, summary: 'Turn TOTP 2FA on with a code from the app; returns 10 single-use recovery codes',
        body: TotpEnableBody, response: { 200: Envelope(TotpEnabled), ...errorResponses },
      },
      config: { principal: 'session' },
    }, async (req, reply) => reply.headers(noStore).send({ success: true as const, data: await service.enableTotp(callerOf(req), req.body.totp_code) }));

    app.post('/user/2fa/disable', {
      schema: {
        operationId: 'disableTotp', tags, summary: 'Turn 2FA off (password and a code or recovery code)',
        body: TotpDisableBody, response: { 200: Envelope(TotpDisabled), ...errorResponses },
      },
      config: { principal: 'session' },
    }, async (req, reply) => reply.send({ success: true as const, data: await service.disableTotp(callerOf(req), req.body) }));
  },
};
