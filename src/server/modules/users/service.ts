import type { Database } from '../../../db/driver.js';
import { NotFoundError } from '../../lib/errors.js';
import { getRow } from '../../lib/crud.js';
import { listRows, type ListQuery } from '../../lib/list.js';
import { users } from './repo.js';

export type UserService = ReturnType<typeof createUserService>;

import type { Caller } from '../../lib/caller.js';

export function createUserService({ db }: { db: Database }) {
  return {
    list: (caller: Caller, query: ListQuery) => db.tenant(caller.tenantId, (q) => listRows(q, users, caller.tenantId, query)),

    async get(caller: Caller, id: string): Promise<string> {
      const json = await db.tenant(caller.tenantId, (q) => getRow(q, users, caller.tenantId, id));
      if (!json) throw new NotFoundError('User');
      return json;
    },
  };
}
