import { contains, oneOf, type ListSpec } from '../../lib/list.js';
import { ROLES } from '../../lib/scopes.js';

export const users: ListSpec = {
  table: 'users',
  alias: 'u',
  // Never any password or 2FA material.
  json: `json_build_object('id', u.id, 'email', u.email, 'name', u.name, 'role', u.role, 'active', u.active,
    'created_at', iso(u.created_at), 'updated_at', iso(u.updated_at))`,
  sorts: { created_at: 'u.created_at', updated_at: 'u.updated_at', email: 'u.email', name: 'lower(u.name)' },
  filters: {
    role: oneOf('role', 'role', ROLES),
    active: (value, p, a) => `${a}.active = ${p.add(value === 'true')}`,
    search: contains(['name', 'email']),
  },
};
