import { Type } from 'typebox';
import { FilterString, ListQuerySchema, Nullable, StringEnum, Timestamp, Name, BooleanFilter } from '../../lib/schemas.js';
import { ROLES } from '../../lib/scopes.js';

export const ServiceAccount = Type.Object({
  id: Type.String({ examples: ['sa_01jd3k8m2q0000000000000000'] }),
  name: Type.String(),
  description: Nullable(Type.String()),
  role: StringEnum(ROLES),
  active: Type.Boolean(),
  token_count: Type.Integer({ description: 'Tokens that still work' }),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const ServiceAccountCreate = Type.Object(
  {
    name: Name({ maxLength: 200 }),
    role: StringEnum(ROLES),
    description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false },
);

export const ServiceAccountUpdate = Type.Object(
  {
    name: Type.Optional(Name({ maxLength: 200 })),
    role: Type.Optional(StringEnum(ROLES)),
    description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ServiceAccountListQuery = ListQuerySchema(['created_at', 'updated_at', 'name'], {
  role: FilterString('One or more of admin, manager, tester, viewer'),
  active: BooleanFilter('true or false'),
  search: FilterString('Case-insensitive match on the name'),
});
