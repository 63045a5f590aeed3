import { Type } from 'typebox';
import { Nullable, Timestamp, ListQuerySchema, FilterString, WebUrl, Name } from '../../lib/schemas.js';

const fields = {
  name: Name({ maxLength: 200 }),
  contact_name: Nullable(Type.String({ maxLength: 200 })),
  contact_email: Nullable(Type.String({ format: 'email', maxLength: 320 })),
  website: Nullable(WebUrl),
  notes: Nullable(Type.String({ maxLength: 20000 })),
};

export const ClientCreate = Type.Object(
  {
    name: fields.name,
    contact_name: Type.Optional(fields.contact_name),
    contact_email: Type.Optional(fields.contact_email),
    website: Type.Optional(fields.website),
    notes: Type.Optional(fields.notes),
  },
  { additionalProperties: false },
);

export const ClientUpdate = Type.Partial(ClientCreate, { additionalProperties: false, minProperties: 1 });

export const Client = Type.Object({
  id: Type.String({ examples: ['client_01jd3k8m2q0000000000000000'] }),
  ...fields,
  project_count: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const CLIENT_SORTS = ['created_at', 'updated_at', 'name'] as const;

export const ClientListQuery = ListQuerySchema(CLIENT_SORTS, {
  search: FilterString('Case-insensitive match on name, contact name or email'),
  created_after: FilterString('ISO 8601 date or date-time'),
  created_before: FilterString('ISO 8601 date or date-time'),
});
