import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ForbiddenError, UnauthorizedError } from '../lib/errors.js';
import { grants, roleAllows, type Scope } from '../lib/scopes.js';
import { passesCsrf, readCookies, sessionCookieNames } from '../lib/cookies.js';
import type { Principal, TokenService } from '../lib/principal.js';
import { rateLimitHeaders, type RateLimiter } from './rate-limit.js';
import { normalizeHost } from './hosts.js';

/**
 * What an authenticated route without a scope needs of its caller: `any` credential, a `user`
 * (a login or a personal token), a `session` (a login: JWT or cookie, not an API token), or
 * `session-or-admin`: a login, or a personal token with `admin` in both its scopes and its owner's
 * role — for the user's own credentials and sessions, which a narrowly scoped token must never
 * list or revoke (PRODUCT.md, "self-service credentials").
 */
export type PrincipalRequirement = 'any' | 'user' | 'session' | 'session-or-admin';

/** True when the principal may manage its user's own tokens and sessions (`session-or-admin`). */
export function managesOwnCredentials(principal: Principal): boolean {
  if (!principal.userId) return false;
  // Never an app's OAuth token: an app acting for a user does not manage the user's credentials.
  if (principal.kind === 'oauth') return false;
  return principal.kind === 'session' || (grants(principal.scopes, 'admin') && roleAllows(principal.role, 'admin'));
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route needs; `public` routes need no credential. */
    scope?: Scope;
    public?: boolean;
    /** For the caller's own resources (`/user/…`): no scope, but this kind of principal. */
    principal?: PrincipalRequirement;
    /**
     * Answered through the read cache (ctx.reads.send), which serves it only while the tenant's
     * data version stands still: it must render only from tables its module lists in cachedTables.
     */
    cached?: boolean;
    /**
     * The protected resource (RFC 8707) a route belongs to: OAuth access tokens issued for another
     * are refused. The REST API (`api`) unless a route says otherwise.
     */
    resource?: 'api' | 'mcp';
  }
  interface FastifyRequest {
    principal: Principal;
    /** True when the credential came from the session cookie rather than a header. */
    viaCookie: boolean;
  }
}

/** Route handlers read the caller from here; every authenticated route has one. */
export function principalOf(request: FastifyRequest): Principal {
  return request.principal;
}

export function presentedCredential(request: FastifyRequest, secureCookies: boolean): { credential?: string; viaCookie: boolean } {
  const header = request.headers.authorization;
  const bearer = header && /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (header && !bearer) throw new UnauthorizedError();
  const apiKey = request.headers['x-api-key'];
  const key = Array.isArray(apiKey) ? apiKey[0] : apiKey?.trim();
  if (bearer && key && bearer !== key) {
    throw new AppError(400, 'VALIDATION_ERROR', 'Send one credential: Authorization and X-API-Key differ', [
      { field: 'X-API-Key', message: 'differs from the Authorization bearer token' },
    ]);
  }
  if (bearer || key) return { credential: bearer || key, viaCookie: false };
  if (!request.headers.cookie) return { viaCookie: false };
  const cookie = readCookies(request)[sessionCookieNames(request, secureCookies).session];
  return cookie ? { credential: cookie, viaCookie: true } : { viaCookie: false };
}

/**
 * `acme.localhost` with base domain `localhost` → `acme`, however the host is written
 * (`ACME.localhost.:8080` too); a host without a tenant part → null.
 */
export function tenantFromHost(hostname: string, baseDomain: string): string | null {
  const host = normalizeHost(hostname);
  if (host === null) return null;
  const suffix = `.${baseDomain}`;
  return host.endsWith(suffix) && host.length > suffix.length ? host.slice(0, -suffix.length) : null;
}

export interface RouteAccess {
  method: string;
  url: string;
  scope?: Scope;
  public?: boolean;
  principal?: PrincipalRequirement;
  cached?: boolean;
}

export interface AuthDeps {
  tokens: Pick<TokenService, 'verify'>;
  limiter: RateLimiter;
  baseDomain: string;
  /** Key of the CSRF tokens of cookie sessions. */
  secret: string;
  /** NEURO_SECURE_COOKIES: which session cookie name to read (lib/cookies.ts). */
  secureCookies: boolean;
  /**
   * Benchmarks only (bench/auth-overhead.ts builds its own app with it; main.ts never does):
   * requests carrying `x-bench-no-auth: 1` act as this principal without any credential check,
   * to measure what authentication costs.
   */
  benchBypass?: Principal;
}

/** One request against the rate limit of `key`: the headers on every answer, a 429 past the limit. */
async function countRequest(limiter: RateLimiter, reply: FastifyReply, key: string): Promise<void> {
  const limit = await limiter.hit(key);
  reply.headers(rateLimitHeaders(limit));
  if (limit.exceeded) {
    throw new AppError(429, 'RATE_LIMIT_EXCEEDED', 'Too many requests', undefined, { 'retry-after': String(limit.retryAfter) });
  }
}

/**
 * The one credential check: credential → principal, the tenant host, the rate limit, CSRF for
 * cookie sessions, then the route's scope against both the credential's scopes and its owner's role.
 */
/**
 * The header the MCP endpoint's own calls to the REST routes carry (modules/mcp/rest.ts): they act
 * for an MCP request, so an OAuth token issued for the MCP endpoint works there. Its value is a
 * random key of this process that never leaves it.
 */
export const INNER_CALL_HEADER = 'x-neuro-inner-call';

function isInnerCall(request: FastifyRequest, key: Buffer): boolean {
  const value = request.headers[INNER_CALL_HEADER];
  return typeof value === 'string' && value.length === key.length && timingSafeEqual(Buffer.from(value), key);
}

export function registerAuth(app: FastifyInstance, deps: AuthDeps) {
  app.decorateRequest('principal', null as unknown as Principal);
  app.decorateRequest('viaCookie', false);
  const innerKey = randomBytes(24).toString('base64url');
  app.decorate('innerCallKey', innerKey);
  const innerKeyBytes = Buffer.from(innerKey);

  // Every route and what it requires, for the role × scope tests and the documentation.
  const routes: RouteAccess[] = [];
  app.decorate('routeAccess', routes);
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    const config = (r.config ?? {}) as { scope?: Scope; public?: boolean; principal?: PrincipalRequirement; cached?: boolean };
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: r.url, scope: config.scope, public: config.public, principal: config.principal, cached: config.cached });
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) return;
    const config = request.routeOptions.config as typeof request.routeOptions.config & { webApp?: boolean };
    // The web app's files (plugins/web.ts) are the same for everyone: no credential, not counted.
    if (config.webApp) return;
    if (deps.benchBypass && request.headers['x-bench-no-auth'] === '1') {
      const limit = await deps.limiter.hit(`ip:${request.ip}`);
      reply.headers(rateLimitHeaders(limit));
      request.principal = deps.benchBypass;
      return;
    }
    // Public routes need no credential and ignore any that comes (a proxy's basic auth, an empty
    // Bearer): they are counted per IP, and a stray Authorization header never refuses them.
    if (config.public) return countRequest(deps.limiter, reply, `ip:${request.ip}`);

    const { credential, viaCookie } = presentedCredential(request, deps.secureCookies);
    const verified = credential ? await deps.tokens.verify(credential) : undefined;
    const principal = verified?.ok ? verified.principal : undefined;
    await countRequest(deps.limiter, reply, principal ? `cred:${principal.credentialId}` : `ip:${request.ip}`);

    if (!credential) throw new UnauthorizedError();
    if (!principal) throw new UnauthorizedError('Invalid or missing authentication token', 'INVALID_TOKEN');

    const hostTenant = tenantFromHost(request.hostname, deps.baseDomain);
    if (hostTenant !== null && hostTenant !== principal.tenantSlug) {
      throw new UnauthorizedError('Invalid or missing authentication token', 'INVALID_TOKEN');
    }
    // An OAuth access token works only at the resource it was issued for (RFC 8707; the MCP
    // authorization spec requires the MCP endpoint to check it): the REST API or the MCP endpoint.
    if (principal.resource) {
      const resource = config.resource ?? (isInnerCall(request, innerKeyBytes) ? 'mcp' : 'api');
      if (principal.resource !== resource) {
        throw new UnauthorizedError(`This token was issued for ${principal.resource === 'mcp' ? 'the MCP endpoint (/mcp)' : 'the REST API (/api/v1)'}, not for this one`, 'INVALID_TOKEN');
      }
    }
    if (viaCookie && !passesCsrf(request, deps.secret, principal.credentialId)) {
      throw new ForbiddenError('CSRF check failed: send the X-CSRF-Token header from the same origin', 'FORBIDDEN');
    }
    request.principal = principal;
    request.viaCookie = viaCookie;

    const scope = config.scope;
    if (!scope) {
      const need = config.principal;
      if (!need) throw new Error(`route ${request.routeOptions.url} declares no scope`);
      if (need === 'user' && !principal.userId) {
        throw new ForbiddenError('This endpoint is for users; a service account has no user account', 'FORBIDDEN');
      }
      if (need === 'session' && principal.kind !== 'session') {
        throw new ForbiddenError('This needs a signed-in session (log in with /auth/login), not an API token', 'FORBIDDEN');
      }
      if (need === 'session-or-admin' && !managesOwnCredentials(principal)) {
        throw new ForbiddenError('This needs a signed-in session or a token with the admin scope', 'FORBIDDEN');
      }
      return;
    }
    if (!grants(principal.scopes, scope)) throw new ForbiddenError();
    if (!roleAllows(principal.role, scope)) {
      throw new ForbiddenError('Your role does not permit this action', 'PERMISSION_DENIED');
    }
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    routeAccess: RouteAccess[];
    /** The value of INNER_CALL_HEADER in this process. */
    innerCallKey: string;
  }
}
