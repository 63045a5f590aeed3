import { Type, type Static, type TSchema, type TProperties, type TUnsafe } from 'typebox';
import { DEFAULT_LIMIT, MAX_LIMIT } from './list.js';

/** Far beyond any real list, and keeps OFFSET inside bigint. */
export const MAX_PAGE = 1_000_000;

/** Schema pieces every module shares: envelopes, ids, list parameters, nullable fields. */

export function StringEnum<const T extends readonly string[]>(values: T, opts: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...opts });
}

/** A field that may also be null (to clear it), with one clear error instead of anyOf noise. */
export function Nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  const s = { ...(schema as Record<string, unknown>) };
  s.type = [s.type, 'null'];
  if (Array.isArray(s.enum)) s.enum = [...s.enum, null];
  return Type.Unsafe(s);
}

/**
 * Matches text with something visible in it: not only white space, control characters, or
 * invisible format characters (zero-width space and joiners, word joiner, BOM, bidi marks, soft
 * hyphen) and the blank-looking letters U+115F, U+1160, U+3164, U+FFA0, U+2800.
 */
export const VISIBLE_TEXT = '[^\\p{White_Space}\\p{Cc}\\p{Cf}\\u115F\\u1160\\u3164\\uFFA0\\u2800]';

/** A required name or title: 1 to `maxLength` characters, never blank. */
export function Name(opts: { maxLength: number; description?: string }) {
  return Type.String({ minLength: 1, pattern: VISIBLE_TEXT, ...opts });
}

/** A `true`/`false` list filter (anything else is a 400). */
export const BooleanFilter = (description: string) => Type.Optional(Type.Boolean({ description }));

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' });
export const DateOnly = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
/** A web link: http(s) only, so a stored `javascript:` URL can never end up in a page as a link. */
export const WebUrl = Type.String({ format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$', maxLength: 2000 });
export const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50, uniqueItems: true });

/**
 * A request body that may be left out: the route's preValidation turns a missing body into `{}`,
 * and the OpenAPI document marks the request body optional (plugins/openapi.ts reads the marker).
 */
export function OptionalBody<T extends TSchema>(schema: T): T {
  return { ...schema, [OPTIONAL_BODY]: true };
}
export const OPTIONAL_BODY = 'x-optional-body';

/** An object that needs at least one of `names` (each optional by itself): e.g. a key's `name` or `label`. */
export function OneOfRequired(names: readonly string[]) {
  return { anyOf: names.map((n) => ({ required: [n] })) };
}

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const ErrorBody = Type.Object({
  success: Type.Literal(false),
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  }),
});

export const PageMeta = Type.Object({
  page: Type.Integer(),
  limit: Type.Integer(),
  total: Type.Integer(),
  pages: Type.Integer(),
});

export function Envelope<T extends TSchema>(data: T) {
  return Type.Object({ success: Type.Literal(true), data });
}

export function ListEnvelope<T extends TSchema>(item: T) {
  return Type.Object({ success: Type.Literal(true), data: Type.Array(item), meta: PageMeta });
}

/** Query-string schema of a list: paging, a sort from the resource's whitelist, and its filters. */
export function ListQuerySchema<P extends TProperties>(sorts: readonly string[], filters: P) {
  return Type.Object(
    {
      page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1 })),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })),
      sort: Type.Optional(StringEnum(sorts, { default: sorts[0] })),
      order: Type.Optional(StringEnum(['asc', 'desc'] as const, { default: 'desc' })),
      ...filters,
    },
    { additionalProperties: false },
  );
}

export const FilterString = (description: string) => Type.Optional(Type.String({ description }));

/** What a route without a credential can still answer: a malformed request, and the per-IP rate limit. */
export const publicErrorResponses = {
  400: ErrorBody,
  429: ErrorBody,
};

/** Standard error responses, merged into every route's response schema. */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  413: ErrorBody,
  429: ErrorBody,
};
