import { Type } from 'typebox';
import { FilterString, ListQuerySchema, Nullable, StringEnum, Timestamp, Name, BooleanFilter } from '../../lib/schemas.js';
import { ROLES } from '../../lib/scopes.js';
import { PasswordLink } from '../invitations/schemas.js';

export const User = Type.Object({
  id: Type.String({ examples: ['user_01jd3k8m2q0000000000000000'] }),
  email: Type.String({ format: 'email' }),
  name: Type.String(),
  role: StringEnum(ROLES),
  active: Type.Boolean(),
  totp_enabled: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const USER_SORTS = ['created_at', 'updated_at', 'email', 'name'] as const;

export const UserListQuery = ListQuerySchema(USER_SORTS, {
  role: FilterString('One or more of admin, manager, tester, viewer (comma-separated)'),
  active: BooleanFilter('true or false'),
  search: FilterString('Case-insensitive match on name or email'),
});

export const UserCreate = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 320 }),
    name: Name({ maxLength: 200 }),
    role: StringEnum(ROLES),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'At least 12 characters, not the email, not a common password. Without it the answer carries an invitation link.' })),
  },
  { additionalProperties: false },
);

/** Created without a password: the invitation link, shown this once. */
export const UserCreated = Type.Object({
  ...User.properties,
  invitation: Type.Optional(PasswordLink),
});

export const UserUpdate = Type.Object(
  {
    name: Type.Optional(Name({ maxLength: 200 })),
    role: Type.Optional(StringEnum(ROLES)),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** What a user may change about themselves (role and active state are an admin's). */
export const ProfileUpdate = Type.Object(
  { name: Name({ maxLength: 200 }) },
  { additionalProperties: false },
);

/** The caller: a user, or the service account behind a service token. */
export const Me = Type.Object({
  id: Type.String(),
  type: StringEnum(['user', 'service_account'] as const),
  email: Nullable(Type.String()),
  name: Type.String(),
  role: StringEnum(ROLES),
  active: Type.Boolean(),
  totp_enabled: Type.Boolean(),
  tenant: Type.Object({ id: Type.String(), slug: Type.String() }),
  credential: Type.Object({ id: Type.String(), kind: StringEnum(['personal', 'service', 'session', 'oauth'] as const), scopes: Type.Array(Type.String()) }),
  created_at: Timestamp,
  updated_at: Timestamp,
});
