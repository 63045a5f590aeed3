import type { FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { AppContext } from '../../types.js';
import { NotFoundError } from '../../lib/errors.js';
import { tenantFromHost } from '../../plugins/auth.js';
import { createProviders } from './provider.js';
import * as repo from './repo.js';

type Providers = ReturnType<typeof createProviders>;
const byApp = new WeakMap<AppContext, Providers>();
const tenantsBySlug = new WeakMap<AppContext, Map<string, { id: string; name: string; at: number }>>();

/** The app's providers, shared by the protocol endpoints and the JSON routes (interactions, grants). */
export function providersOf(ctx: AppContext): Providers {
  let p = byApp.get(ctx);
  if (!p) {
    p = createProviders({
      db: ctx.db, secret: ctx.secret, tokens: ctx.tokens, proxy: ctx.config.trustProxy !== false,
      bootstrapTenantId: async () => (await tenantOfSlug(ctx, ctx.config.bootstrapTenant))?.id ?? null,
    });
    byApp.set(ctx, p);
  }
  return p;
}

export interface OauthRequest {
  origin: string;
  /** The host's tenant; null on a host without a tenant part. */
  tenantId: string | null;
  provider: Provider;
}

/** The origin a request came to (as the client sees it, through trusted proxies). */
export function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host.toLowerCase()}`;
}

/** A tenant by slug, remembered for a minute (tenants are never renamed). */
export async function tenantOfSlug(ctx: AppContext, slug: string): Promise<{ id: string; name: string } | undefined> {
  let cache = tenantsBySlug.get(ctx);
  if (!cache) tenantsBySlug.set(ctx, (cache = new Map()));
  const hit = cache.get(slug);
  if (hit && Date.now() - hit.at < 60_000) return hit;
  const row = await ctx.db.system((q) => repo.tenantBySlug(q, slug));
  if (row) {
    if (cache.size > 10_000) cache.clear();
    cache.set(slug, { ...row, at: Date.now() });
  }
  return row;
}

/** The provider and tenant of a request; an unknown tenant host is a 404. */
export async function resolveOauth(ctx: AppContext, request: FastifyRequest): Promise<OauthRequest> {
  const slug = tenantFromHost(request.hostname, ctx.config.baseDomain);
  let tenantId: string | null = null;
  if (slug !== null) {
    const tenant = await tenantOfSlug(ctx, slug);
    if (!tenant) throw new NotFoundError('Tenant');
    tenantId = tenant.id;
  }
  const origin = originOf(request);
  return { origin, tenantId, provider: await providersOf(ctx).get(origin) };
}
