import { Type } from 'typebox';
import { FilterString, ListQuerySchema, Nullable, StringEnum, Tags, Timestamp, Name } from '../../lib/schemas.js';

export const ASSET_TYPES = ['host', 'ip', 'domain', 'url', 'application', 'network', 'cloud', 'repository', 'other'] as const;

const fields = {
  name: Name({ maxLength: 500 }),
  type: StringEnum(ASSET_TYPES),
  description: Nullable(Type.String({ maxLength: 50000 })),
  tags: Tags,
};

export const AssetCreate = Type.Object(
  {
    project_id: Type.String({ minLength: 1, maxLength: 64 }),
    name: fields.name,
    type: fields.type,
    description: Type.Optional(fields.description),
    tags: Type.Optional(fields.tags),
  },
  { additionalProperties: false },
);

export const AssetUpdate = Type.Partial(Type.Object(fields), { additionalProperties: false, minProperties: 1 });

export const Asset = Type.Object({
  id: Type.String({ examples: ['asset_01jd3k8m2q0000000000000000'] }),
  project_id: Type.String(),
  ...fields,
  finding_count: Type.Integer({ description: 'Findings affecting this asset; list them at /assets/{id}/findings' }),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const ASSET_SORTS = ['created_at', 'updated_at', 'name', 'type'] as const;

export const AssetListQuery = ListQuerySchema(ASSET_SORTS, {
  type: FilterString('One or more asset types (comma-separated)'),
  project_id: FilterString('Only assets of this project'),
  tag: FilterString('Only assets carrying all these tags (comma-separated)'),
  search: FilterString('Case-insensitive match on name or description'),
  created_after: FilterString('ISO 8601 date or date-time'),
  created_before: FilterString('ISO 8601 date or date-time'),
});
