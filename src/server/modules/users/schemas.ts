import { Type } from 'typebox';
import { FilterString, ListQuerySchema, StringEnum, Timestamp } from '../../lib/schemas.js';
import { ROLES } from '../../lib/scopes.js';

export const User = Type.Object({
  id: Type.String({ examples: ['user_01jd3k8m2q0000000000000000'] }),
  email: Type.String({ format: 'email' }),
  name: Type.String(),
  role: StringEnum(ROLES),
  active: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const USER_SORTS = ['created_at', 'updated_at', 'email', 'name'] as const;

export const UserListQuery = ListQuerySchema(USER_SORTS, {
  role: FilterString('One or more of admin, manager, tester, viewer (comma-separated)'),
  active: Type.Optional(Type.Boolean()),
  search: FilterString('Case-insensitive match on name or email'),
});
