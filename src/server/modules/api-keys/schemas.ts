import { Type } from 'typebox';
import { FilterString, ListQuerySchema, Name, Nullable, OneOfRequired, OptionalBody, StringEnum, Timestamp } from '../../lib/schemas.js';

export const EXPIRES_IN = ['never', '30d', '90d', '1y'] as const;

const ScopeList = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  maxItems: 32, uniqueItems: true,
  description: 'Scopes (default: every scope your role allows). `admin` implies all.',
});

const common = {
  name: Type.Optional(Name({ maxLength: 100, description: 'Name of the key (`label` is the same field)' })),
  label: Type.Optional(Name({ maxLength: 100, description: 'Same as `name`' })),
  scopes: Type.Optional(ScopeList),
  expires_in: Type.Optional(StringEnum(EXPIRES_IN, { description: 'never (default), 30d, 90d or 1y' })),
  expires_at: Type.Optional(Type.String({ format: 'date-time', description: 'An exact expiry instead of expires_in' })),
};

/** A key needs a name: `name` or `label` (the two documents' words for it), at least one. */
const named = OneOfRequired(['name', 'label']);

export const ApiKeyCreate = Type.Object(common, { additionalProperties: false, ...named });

export const ServiceKeyCreate = Type.Object(
  { service_account_id: Type.String({ minLength: 1, maxLength: 64 }), ...common },
  { additionalProperties: false, ...named },
);

/** Optional: without a body, the old secret is revoked at once. */
export const RotateBody = OptionalBody(Type.Object(
  {
    grace_period_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 86_400, description: 'Keep the old secret working this long (default 0: revoked at once)' })),
  },
  { additionalProperties: false },
));

export const ApiKey = Type.Object({
  id: Type.String({ examples: ['tok_01jd3k8m2q0000000000000000'] }),
  name: Type.String(),
  label: Type.String(),
  kind: StringEnum(['personal', 'service'] as const),
  purpose: StringEnum(['api', 'mcp'] as const),
  user_id: Nullable(Type.String()),
  service_account_id: Nullable(Type.String()),
  key: Type.String({ description: 'Masked in lists (nf_live_3f2a…9c1d)' }),
  masked: Type.String(),
  scopes: Type.Array(Type.String()),
  status: StringEnum(['active', 'revoked', 'expired'] as const),
  expires_at: Nullable(Timestamp),
  created_at: Timestamp,
  last_used_at: Nullable(Timestamp),
  revoked_at: Nullable(Timestamp),
  rotated_from: Nullable(Type.String()),
  created_by: Nullable(Type.String()),
});

/** Creation answers the secret once, in `key`. */
export const ApiKeyCreated = Type.Object({
  id: Type.String(),
  name: Type.String(),
  label: Type.String(),
  key: Type.String({ description: 'The secret: shown only this once' }),
  masked: Type.String(),
  kind: StringEnum(['personal', 'service'] as const),
  purpose: StringEnum(['api', 'mcp'] as const),
  user_id: Nullable(Type.String()),
  service_account_id: Nullable(Type.String()),
  scopes: Type.Array(Type.String()),
  expires_at: Nullable(Timestamp),
  created_at: Timestamp,
  rotated_from: Type.Optional(Nullable(Type.String())),
  previous_key_revoked_at: Type.Optional(Nullable(Timestamp)),
});

export const KeyIdParams = Type.Object({ key_id: Type.String({ minLength: 1, maxLength: 64 }) });

export const ApiKeyListQuery = ListQuerySchema(['created_at', 'last_used_at', 'name', 'expires_at'], {
  status: FilterString('active (default for your own keys), revoked, expired; comma-separated'),
  kind: FilterString('personal or service'),
  purpose: FilterString('api or mcp'),
  user_id: FilterString('Tokens of this user'),
  service_account_id: FilterString('Tokens of this service account'),
  search: FilterString('Case-insensitive match on the name'),
});

export const OwnKeyListQuery = ListQuerySchema(['created_at', 'last_used_at', 'name', 'expires_at'], {
  status: FilterString('active (default), revoked, expired; comma-separated'),
  search: FilterString('Case-insensitive match on the name'),
});
