import type { AppContext } from '../../types.js';
import type { Caller } from '../../lib/caller.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { createAttempts } from '../auth/attempts.js';
import { tenantIdOfSlug } from '../auth/repo.js';
import { createAuthService, type RequestMeta } from '../auth/service.js';
import { hasUsers } from '../users/repo.js';
import { createUserService } from '../users/service.js';

/**
 * First-run setup: while a tenant has no user, anyone who reaches its host may create its first
 * admin (the web app's setup page), so that the bootstrap admin token is not the only way in.
 */
export function createSetupService(ctx: Pick<AppContext, 'db' | 'config' | 'keys' | 'tokens' | 'loginThrottle' | 'secret' | 'passwords'>) {
  const { db, config } = ctx;
  const users = createUserService(ctx);
  const auth = createAuthService(ctx);
  const attempts = createAttempts(ctx);

  /** The host's tenant, or on a host without a tenant part the bootstrap tenant. */
  async function tenantOf(hostTenant: string | null) {
    const slug = hostTenant ?? config.bootstrapTenant;
    const id = await db.system((q) => tenantIdOfSlug(q, slug));
    if (!id) throw new NotFoundError('Tenant');
    return { id, slug };
  }

  const needsSetup = (tenantId: string) => db.tenant(tenantId, async (q) => !(await hasUsers(q, tenantId)));

  return {
    async status(hostTenant: string | null) {
      const tenant = await tenantOf(hostTenant);
      return { needs_setup: config.setupEnabled && (await needsSetup(tenant.id)), tenant: tenant.slug };
    },

    async complete(hostTenant: string | null, input: { email: string; name: string; password: string }, meta: RequestMeta) {
      if (!config.setupEnabled) throw new ForbiddenError('First-run setup is turned off on this server (NEURO_SETUP_ENABLED=false)');
      // Every try counts against the IP like a failed login; only the one that succeeds is given back.
      const release = await attempts.reserve([attempts.ipKey(meta.ip)]);
      const tenant = await tenantOf(hostTenant);
      // Before hashing the password: a late request costs a query, not an argon2 run.
      if (!(await needsSetup(tenant.id))) throw new ConflictError('Setup is already complete');
      const caller: Caller = { tenantId: tenant.id, principal: null, ip: meta.ip, userAgent: meta.userAgent, requestId: meta.requestId };
      const user = JSON.parse(await users.createFirst(caller, input)) as { id: string; email: string };
      await release();
      const grant = await auth.startSession(tenant.id, user.id, user.email, meta, 'setup');
      return { user, tenant, grant };
    },
  };
}
