import type { Config } from './config.js';
import type { TenantService } from './modules/tenants/service.js';

/**
 * Creates the first tenant with an admin token when it does not exist yet. Returns the token
 * only when it was generated here (to be shown once); later starts return nothing.
 */
export async function ensureBootstrapTenant(
  tenants: Pick<TenantService, 'findBySlug' | 'create'>,
  config: Pick<Config, 'bootstrapTenant' | 'bootstrapToken'>,
): Promise<{ created: boolean; token?: string; tenantId?: string }> {
  if (await tenants.findBySlug(config.bootstrapTenant)) return { created: false };
  const result = await tenants.create(config.bootstrapTenant, { token: config.bootstrapToken });
  return { created: true, tenantId: result.tenant.id, token: config.bootstrapToken ? undefined : result.token };
}
