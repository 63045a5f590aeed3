import type { Database } from '../../../db/driver.js';
import { ConflictError, fieldError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { SLUG_PATTERN } from '../../config.js';
import type { TokenService } from '../../lib/principal.js';
import * as repo from './repo.js';

export type TenantService = ReturnType<typeof createTenantService>;

export function createTenantService(deps: { db: Database; tokens: Pick<TokenService, 'createServiceToken'> }) {
  const { db, tokens } = deps;
  return {
    findBySlug: (slug: string) => db.system((q) => repo.findBySlug(q, slug)),
    list: () => db.system((q) => repo.list(q)),

    /**
     * Creates a tenant with an admin service account and its first token, all or nothing.
     * The token's secret is returned once; pass `token` to use a given one (automation, CI).
     */
    async create(slug: string, opts: { name?: string; token?: string } = {}) {
      if (!SLUG_PATTERN.test(slug)) throw fieldError('slug', 'must be lowercase letters, digits and dashes');
      const tenant = { id: newId('ten'), slug, name: opts.name ?? slug };
      const serviceAccount = { id: newId('sa'), name: 'Bootstrap admin', role: 'admin' };
      try {
        return await db.tenantTx(tenant.id, async (q) => {
          await repo.insert(q, tenant);
          await repo.insertServiceAccount(q, tenant.id, serviceAccount);
          const token = await tokens.createServiceToken(
            tenant.id,
            { serviceAccountId: serviceAccount.id, name: 'Bootstrap admin token', scopes: ['admin'], secret: opts.token },
            q,
          );
          return { tenant: { id: tenant.id, slug }, serviceAccount, token: token.token };
        });
      } catch (err) {
        if ((err as { code?: string }).code === '23505') {
          throw new ConflictError(`A tenant with slug "${slug}" or that token already exists`);
        }
        throw err;
      }
    },
  };
}
