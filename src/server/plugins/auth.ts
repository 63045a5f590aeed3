import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, ForbiddenError, UnauthorizedError } from '../lib/errors.js';
import { grants, roleAllows, type Scope } from '../lib/scopes.js';
import type { Principal, TokenService } from '../modules/tokens/service.js';
import { rateLimitHeaders, type RateLimiter } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route needs; `public` routes need no credential. */
    scope?: Scope;
    public?: boolean;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

/** Route handlers read the caller from here; every authenticated route has one. */
export function principalOf(request: FastifyRequest): Principal {
  return request.principal;
}

function presentedCredential(request: FastifyRequest): string | undefined {
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
  return bearer || key || undefined;
}

/** `acme.localhost` with base domain `localhost` → `acme`; a host without a tenant part → null. */
export function tenantFromHost(hostname: string, baseDomain: string): string | null {
  const host = hostname.toLowerCase().replace(/:\d+$/, '');
  const suffix = `.${baseDomain}`;
  return host.endsWith(suffix) && host.length > suffix.length ? host.slice(0, -suffix.length) : null;
}

/**
 * The one credential check: credential → principal, the tenant host, the rate limit, then the
 * route's scope against both the credential's scopes and its owner's role.
 */
export function registerAuth(
  app: FastifyInstance,
  deps: { tokens: Pick<TokenService, 'verify'>; limiter: RateLimiter; baseDomain: string },
) {
  app.decorateRequest('principal', null as unknown as Principal);

  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) return;
    const config = request.routeOptions.config;
    const credential = presentedCredential(request);
    const verified = credential ? await deps.tokens.verify(credential) : undefined;
    const principal = verified?.ok ? verified.principal : undefined;

    const limit = await deps.limiter.hit(principal ? `cred:${principal.credentialId}` : `ip:${request.ip}`);
    reply.headers(rateLimitHeaders(limit));
    if (limit.exceeded) {
      throw new AppError(429, 'RATE_LIMIT_EXCEEDED', 'Too many requests', undefined, {
        'retry-after': String(limit.retryAfter),
      });
    }

    if (config.public) return;
    if (!credential) throw new UnauthorizedError();
    if (!principal) throw new UnauthorizedError('Invalid or missing authentication token', 'INVALID_TOKEN');

    const hostTenant = tenantFromHost(request.hostname, deps.baseDomain);
    if (hostTenant !== null && hostTenant !== principal.tenantSlug) {
      throw new UnauthorizedError('Invalid or missing authentication token', 'INVALID_TOKEN');
    }
    request.principal = principal;

    const scope = config.scope;
    if (!scope) throw new Error(`route ${request.routeOptions.url} declares no scope`);
    if (!grants(principal.scopes, scope)) throw new ForbiddenError();
    if (!roleAllows(principal.role, scope)) {
      throw new ForbiddenError('Your role does not permit this action', 'PERMISSION_DENIED');
    }
  });
}
