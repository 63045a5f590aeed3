import { after, before, equals, splitList, type ListSpec } from '../../lib/list.js';
import { jsonObject } from '../../lib/sql.js';

/** The one events table read as the audit log: every security event and every object change. */
export const auditLog: ListSpec = {
  table: 'events',
  alias: 'e',
  json: jsonObject({
    id: 'e.id', action: 'e.type', type: 'e.type', actor: jsonObject({ type: 'e.actor_type', id: 'e.actor_id' }),
    credential_id: 'e.credential_id', ip: 'e.ip', user_agent: 'e.user_agent', request_id: 'e.request_id',
    object_type: 'e.object_type', object_id: 'e.object_id', changes: 'e.changes', data: 'e.data', created_at: 'iso(e.created_at)',
  }),
  jsonbValues: true,
  sorts: { created_at: 'e.created_at' },
  filters: {
    actor: equals('actor_id'),
    actor_type: equals('actor_type'),
    // `action=auth.login_failed,token.revoked`, or a family with `auth.*`.
    action: (value, p, a) => {
      const conds = splitList(value).map((v) =>
        v.endsWith('.*') ? `${a}.type LIKE ${p.add(`${v.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}` : `${a}.type = ${p.add(v)}`,
      );
      return `(${conds.join(' OR ')})`;
    },
    object_id: equals('object_id'),
    object_type: equals('object_type'),
    created_after: after('created_after', 'created_at'),
    created_before: before('created_before', 'created_at'),
  },
};
