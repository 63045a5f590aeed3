import { Type } from 'typebox';
import { FilterString, ListQuerySchema, Nullable, StringEnum, Timestamp } from '../../lib/schemas.js';
import { FINDING_STATUSES, SEVERITIES } from '../../lib/severity.js';
import { REPORT_FORMATS } from './render/model.js';
import { REPORT_STATUSES } from './repo.js';

export const TEMPLATE_KINDS = ['docx', 'typst', 'html', 'markdown'] as const;

const Include = Type.Object(
  {
    severities: Type.Optional(Type.Array(StringEnum(SEVERITIES), { minItems: 1, uniqueItems: true, description: 'Default: all' })),
    statuses: Type.Optional(Type.Array(StringEnum(FINDING_STATUSES), { minItems: 1, uniqueItems: true, description: 'Default: all but False Positive' })),
  },
  { additionalProperties: false, description: 'Which findings the report covers' },
);

export const ReportCreate = Type.Object(
  {
    project_id: Type.String({ minLength: 1, maxLength: 64 }),
    format: StringEnum(REPORT_FORMATS),
    template_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64, description: 'A template of the kind for this format; default: the project\'s, else the client\'s, else the built-in design' }))),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'Default: "Penetration Test Report"' })),
    version: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}(\\.[0-9]{1,4}){0,2}$', description: 'e.g. 1.0; default: the next version for the project' })),
    classification: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100, description: "e.g. Confidential; default: the tenant's" }))),
    include: Type.Optional(Include),
  },
  { additionalProperties: false },
);

export const Report = Type.Object({
  id: Type.String({ examples: ['rep_01jd3k8m2q0000000000000000'] }),
  project_id: Type.String(),
  format: StringEnum(REPORT_FORMATS),
  template_id: Nullable(Type.String()),
  template_name: Nullable(Type.String()),
  title: Type.String(),
  version: Type.String(),
  classification: Nullable(Type.String()),
  include: Type.Object({ severities: Type.Array(StringEnum(SEVERITIES)), statuses: Type.Array(StringEnum(FINDING_STATUSES)) }),
  status: StringEnum(REPORT_STATUSES),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  error: Nullable(Type.String({ description: 'Why it failed' })),
  size: Nullable(Type.Integer({ description: 'Bytes of the file' })),
  sha256: Nullable(Type.String({ description: 'Of the file; it never changes' })),
  filename: Nullable(Type.String()),
  created_by: Type.Object({
    type: StringEnum(['user', 'service_account', 'system'] as const),
    id: Nullable(Type.String()),
    name: Nullable(Type.String()),
  }),
  created_at: Timestamp,
  started_at: Nullable(Timestamp),
  completed_at: Nullable(Timestamp),
});

export const ReportListQuery = ListQuerySchema(['created_at', 'version'], {
  project_id: FilterString('Only reports of this project'),
  status: FilterString(`One or more of ${REPORT_STATUSES.join(', ')} (comma-separated)`),
  format: FilterString(`One or more of ${REPORT_FORMATS.join(', ')} (comma-separated)`),
  created_after: FilterString('ISO 8601 date or date-time'),
  created_before: FilterString('ISO 8601 date or date-time'),
});

export const ReportTemplate = Type.Object({
  id: Type.String({ examples: ['tpl_01jd3k8m2q0000000000000000', 'builtin-typst'] }),
  name: Type.String(),
  description: Nullable(Type.String()),
  kind: StringEnum(TEMPLATE_KINDS),
  filename: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  built_in: Type.Boolean({ description: 'Built-in templates are read-only' }),
  created_by: Nullable(Type.String()),
  created_at: Nullable(Timestamp),
  updated_at: Nullable(Timestamp),
});

export const ReportTemplateCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    kind: StringEnum(TEMPLATE_KINDS, { description: 'docx (docxtemplater placeholders), typst, html or markdown (Liquid)' }),
    description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    filename: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    content: Type.Optional(Type.String({ description: 'The template text (typst, html, markdown)' })),
    content_base64: Type.Optional(Type.String({ description: 'The template file, base64 (required for docx)' })),
  },
  { additionalProperties: false },
);

export const TemplateListQuery = ListQuerySchema(['created_at', 'name'], {
  kind: FilterString(`One or more of ${TEMPLATE_KINDS.join(', ')} (comma-separated)`),
});

export const ReportSettings = Type.Object({
  company_name: Nullable(Type.String()),
  accent_color: Type.String({ pattern: '^#[0-9a-f]{6}$' }),
  default_classification: Nullable(Type.String()),
  footer_text: Nullable(Type.String()),
  tagged_pdf: Type.Boolean({ description: 'PDFs carry the tagged structure screen readers use (larger files)' }),
  logo: Nullable(Type.Object({ content_type: StringEnum(['image/png', 'image/svg+xml'] as const), size: Type.Integer(), url: Type.String() })),
  updated_at: Nullable(Timestamp),
});

export const ReportSettingsUpdate = Type.Object(
  {
    company_name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    accent_color: Type.Optional(Nullable(Type.String({ pattern: '^#[0-9A-Fa-f]{6}$', description: '#RRGGBB; null for the default' }))),
    default_classification: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    footer_text: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    tagged_pdf: Type.Optional(Type.Boolean({ description: 'Tag PDFs for screen readers (PDF/UA structure; files about four times larger)' })),
    logo: Type.Optional(Nullable(Type.Object(
      {
        content_type: StringEnum(['image/png', 'image/svg+xml'] as const),
        data: Type.String({ description: 'The image, base64' }),
      },
      { additionalProperties: false },
    ))),
  },
  { additionalProperties: false, minProperties: 1 },
);
