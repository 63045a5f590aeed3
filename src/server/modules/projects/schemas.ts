import { Type } from 'typebox';
import { DateOnly, FilterString, ListQuerySchema, Nullable, StringEnum, Tags, Timestamp, Name } from '../../lib/schemas.js';

export const PROJECT_STATUSES = ['planned', 'in_progress', 'completed', 'archived'] as const;

const fields = {
  name: Name({ maxLength: 200 }),
  client_id: Nullable(Type.String({ minLength: 1, maxLength: 64 })),
  status: StringEnum(PROJECT_STATUSES),
  description: Nullable(Type.String({ maxLength: 50000 })),
  scope: Nullable(Type.String({ maxLength: 50000 })),
  start_date: Nullable(DateOnly),
  end_date: Nullable(DateOnly),
  tags: Tags,
};

export const ProjectCreate = Type.Object(
  {
    name: fields.name,
    client_id: Type.Optional(fields.client_id),
    status: Type.Optional(fields.status),
    description: Type.Optional(fields.description),
    scope: Type.Optional(fields.scope),
    start_date: Type.Optional(fields.start_date),
    end_date: Type.Optional(fields.end_date),
    tags: Type.Optional(fields.tags),
  },
  { additionalProperties: false },
);

export const ProjectUpdate = Type.Partial(ProjectCreate, { additionalProperties: false, minProperties: 1 });

export const Project = Type.Object({
  id: Type.String({ examples: ['proj_01jd3k8m2q0000000000000000'] }),
  ...fields,
  finding_count: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const PROJECT_SORTS = ['created_at', 'updated_at', 'name', 'start_date', 'end_date', 'status'] as const;

export const ProjectListQuery = ListQuerySchema(PROJECT_SORTS, {
  status: FilterString(`One or more of ${PROJECT_STATUSES.join(', ')} (comma-separated)`),
  client_id: FilterString('Only projects of this client'),
  tag: FilterString('Only projects carrying all these tags (comma-separated)'),
  search: FilterString('Case-insensitive match on name or description'),
  created_after: FilterString('ISO 8601 date or date-time'),
  created_before: FilterString('ISO 8601 date or date-time'),
});
