import type { Database } from '../../../db/driver.js';
import { NotFoundError } from '../../lib/errors.js';
import { getRow } from '../../lib/crud.js';
import { listRows, type ListQuery } from '../../lib/list.js';
import { users } from './repo.js';

export type UserService = ReturnType<typeof createUserService>;

export function createUserService({ db }: { db: Database }) {
  return {
    list: (tenantId: string, query: ListQuery) => db.tenant(tenantId, (q) => listRows(q, users, tenantId, query)),

    async get(tenantId: string, id: string): Promise<string> {
      const json = await db.tenant(tenantId, (q) => getRow(q, users, tenantId, id));
      if (!json) throw new NotFoundError('User');
      return json;
    },
  };
}
