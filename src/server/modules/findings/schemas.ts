import { Type } from 'typebox';
import { FINDING_STATUSES, SEVERITIES } from '../../lib/severity.js';
import { FilterString, ListQuerySchema, Nullable, StringEnum, Tags, Timestamp, WebUrl, Name } from '../../lib/schemas.js';


const longText = Nullable(Type.String({ maxLength: 100_000 }));
const fields = {
  title: Name({ maxLength: 500 }),
  severity: StringEnum(SEVERITIES),
  status: StringEnum(FINDING_STATUSES),
  description: longText,
  impact: longText,
  remediation: longText,
  steps_to_reproduce: longText,
  references: Type.Array(WebUrl, { maxItems: 100 }),
  cwe: Nullable(Type.String({ pattern: '^CWE-[1-9][0-9]{0,5}$', description: 'e.g. CWE-89' })),
  cve: Type.Array(Type.String({ pattern: '^CVE-[0-9]{4}-[0-9]{4,}$' }), { maxItems: 100, uniqueItems: true }),
  cvss_vector: Nullable(Type.String({ maxLength: 300, description: 'CVSS 3.1 or 4.0 vector; the server computes cvss_score' })),
  asset_ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 1000, uniqueItems: true, description: 'Assets of the same project' }),
  tags: Tags,
};

const optionalFields = Type.Partial(Type.Object(fields)).properties;

export const FindingCreate = Type.Object(
  { project_id: Type.String({ minLength: 1, maxLength: 64 }), ...optionalFields, title: fields.title },
  { additionalProperties: false },
);

export const FindingUpdate = Type.Object(optionalFields, { additionalProperties: false, minProperties: 1 });

export const FindingUpdateHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ maxLength: 100, description: "The finding's `updated_at` as you last read it (optimistic concurrency)" })),
});

export const Finding = Type.Object({
  id: Type.String({ examples: ['find_01jd3k8m2q0000000000000000'] }),
  project_id: Type.String(),
  ...fields,
  cvss_score: Nullable(Type.Number()),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const FINDING_SORTS = ['created_at', 'updated_at', 'severity', 'cvss_score', 'title', 'status'] as const;

export const FindingListQuery = ListQuerySchema(FINDING_SORTS, {
  after: Type.Optional(Type.String({
    minLength: 1, maxLength: 64,
    description: 'Keyset paging, instead of `page`: the id of the last finding of the page before; answers the findings that follow it in '
      + 'the same order (sort, order and filters as before), as fast at any depth. `meta.total` and `meta.pages` stay exact; `meta.page` is 0, '
      + 'as keyset pages are not numbered. An id that is not one of your findings is a 400 `VALIDATION_ERROR`.',
  })),
  severity: FilterString(`One or more of ${SEVERITIES.join(', ')} (comma-separated)`),
  status: FilterString(`One or more of ${FINDING_STATUSES.join(', ')} (comma-separated)`),
  project_id: FilterString('Only findings of this project'),
  asset_id: FilterString('Only findings affecting this asset'),
  cwe: FilterString('e.g. CWE-89'),
  tag: FilterString('Only findings carrying all these tags (comma-separated)'),
  created_after: FilterString('ISO 8601 date or date-time'),
  created_before: FilterString('ISO 8601 date or date-time'),
  updated_after: FilterString('ISO 8601 date or date-time'),
  search: FilterString('Full-text search over title, description, impact and remediation'),
});
