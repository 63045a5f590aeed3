import type { FindingStatus, Severity } from '../../../lib/severity.js';

/**
 * The content model: everything a report says, built once per report from the database and
 * rendered into every format (and by every template). The JSON format is this object as is; it is
 * documented in docs/report-model.md, and templates of every kind see the same fields. Text fields
 * marked Markdown hold the finding text as written; renderers parse it (render/markdown.ts).
 */
export const MODEL_SCHEMA = 'neuro.report/v1';

export const REPORT_FORMATS = ['pdf', 'docx', 'html', 'markdown', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportModel {
  schema: typeof MODEL_SCHEMA;
  report: {
    id: string;
    title: string;
    version: string;
    classification: string | null;
    format: ReportFormat;
    /** ISO 8601 date-time the content was taken from the database. */
    generated_at: string;
    author: { name: string; email: string | null } | null;
    template: { id: string; name: string; kind: string } | null;
  };
  branding: {
    company_name: string | null;
    /** `#RRGGBB`. */
    accent_color: string;
    footer_text: string | null;
    /** The logo is passed to renderers beside the model (RenderAssets); here only whether there is one. */
    has_logo: boolean;
    /** PDFs carry the tagged structure screen readers use (larger files, slower to render). */
    tagged_pdf: boolean;
  };
  client: {
    id: string;
    name: string;
    contact_name: string | null;
    contact_email: string | null;
    website: string | null;
  } | null;
  project: {
    id: string;
    name: string;
    status: string;
    /** Markdown. */
    description: string | null;
    /** Markdown. */
    scope: string | null;
    start_date: string | null;
    end_date: string | null;
    tags: string[];
  };
  /** Earlier versions of this project's reports, oldest first, then this one. */
  document_control: { version: string; date: string; author: string | null; format: ReportFormat; title: string }[];
  /** Which findings the report covers. */
  include: { severities: Severity[]; statuses: FindingStatus[] };
  summary: {
    total: number;
    by_severity: Record<Severity, number>;
    by_status: Record<FindingStatus, number>;
  };
  assets: {
    id: string;
    name: string;
    type: string;
    description: string | null;
    /** Included findings affecting it. */
    finding_count: number;
  }[];
  /** In severity order, then by CVSS score (highest first), then by title. */
  findings: ReportFinding[];
}

export interface ReportFinding {
  id: string;
  /** Its number in this report: F-01, F-02 … */
  ref: string;
  title: string;
  severity: Severity;
  status: FindingStatus;
  cvss_vector: string | null;
  cvss_score: number | null;
  cwe: string | null;
  cve: string[];
  assets: { id: string; name: string; type: string }[];
  /** Markdown. */
  description: string | null;
  /** Markdown. */
  impact: string | null;
  /** Markdown. */
  steps_to_reproduce: string | null;
  /** Markdown. */
  remediation: string | null;
  references: string[];
  tags: string[];
  created_at: string;
  updated_at: string;
}

/** What renderers get besides the model: binary assets that do not belong in the JSON. */
export interface RenderAssets {
  logo?: { type: 'png' | 'svg'; data: Buffer };
}

/** A tenant template, as the renderer of its kind takes it. */
export type TemplateKind = 'docx' | 'typst' | 'html' | 'markdown';

export const TEMPLATE_FORMAT: Record<TemplateKind, ReportFormat> = { docx: 'docx', typst: 'pdf', html: 'html', markdown: 'markdown' };

/** A template that cannot render: the report fails with this message, naming the place. */
export class TemplateError extends Error {
  constructor(message: string, readonly line?: number) {
    super(line === undefined ? message : `${message} (line ${line})`);
  }
}
