import { after, before, oneOf, type ListSpec } from '../../lib/list.js';
import { jsonObject } from '../../lib/sql.js';

/**
 * An object's history: its events, with who made each change and which fields moved from what to
 * what. The `type` filter takes the catalog's types (the modules' declarations).
 */
export const historyOf = (eventTypes: readonly string[]): ListSpec => ({
  table: 'events',
  alias: 'e',
  json: jsonObject({
    id: 'e.id', type: 'e.type', object_type: 'e.object_type', object_id: 'e.object_id',
    actor: jsonObject({
      type: 'e.actor_type', id: 'e.actor_id', name: `CASE e.actor_type
        WHEN 'user' THEN (SELECT u.name FROM users u WHERE u.tenant_id = e.tenant_id AND u.id = e.actor_id)
        WHEN 'service_account' THEN (SELECT s.name FROM service_accounts s WHERE s.tenant_id = e.tenant_id AND s.id = e.actor_id)
        END`,
    }),
    credential_id: 'e.credential_id', changes: 'e.changes', created_at: 'iso(e.created_at)',
  }),
  jsonbValues: true,
  sorts: { created_at: 'e.created_at' },
  filters: {
    type: oneOf('type', 'type', eventTypes),
    created_after: after('created_after', 'created_at'),
    created_before: before('created_before', 'created_at'),
  },
});
