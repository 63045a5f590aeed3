import type { AppContext } from '../../types.js';
import type { Caller } from '../../lib/caller.js';
import { ForbiddenError } from '../../lib/errors.js';
import { listRows, splitList, type ListPage, type ListQuery } from '../../lib/list.js';
import { grants, roleAllows } from '../../lib/scopes.js';
import { activityOf } from './repo.js';

/**
 * The tenant's activity, scoped as each object's history is: an event is listed only when the
 * caller may read its object type (the scope of the object's declaration, in both the credential
 * and its owner's role).
 */
export function createActivityService({ db, registry }: Pick<AppContext, 'db' | 'registry'>) {
  const objectTypes = registry.objects.map((o) => o.type);
  const spec = activityOf(registry.events.map((e) => e.type), objectTypes);

  return {
    async list(caller: Caller, query: ListQuery & { object_type?: string }): Promise<ListPage> {
      const principal = caller.principal;
      const readable = registry.objects
        .filter((o) => principal && grants(principal.scopes, o.readScope) && roleAllows(principal.role, o.readScope))
        .map((o) => o.type);
      if (readable.length === 0) throw new ForbiddenError();
      // Asked-for types the caller may not read are left out, as if they had no events; unknown
      // ones are the filter's validation error.
      const asked = query.object_type ? splitList(query.object_type) : readable;
      const types = asked.filter((t) => readable.includes(t) || !objectTypes.includes(t));
      const page = query.page ?? 1;
      const limit = query.limit ?? 50;
      if (types.length === 0) return { dataJson: '[]', meta: { page, limit, total: 0, pages: 0 } };
      return db.tenant(caller.tenantId, (q) => listRows(q, spec, caller.tenantId, { ...query, object_type: types.join(',') }));
    },
  };
}
