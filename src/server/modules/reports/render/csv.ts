import type { Renderer } from './index.js';
import type { ReportModel } from './model.js';

export const CSV_COLUMNS = [
  'ref', 'id', 'title', 'severity', 'status', 'cvss_score', 'cvss_vector', 'cwe', 'cve', 'assets', 'tags',
  'description', 'impact', 'steps_to_reproduce', 'remediation', 'references', 'created_at', 'updated_at',
] as const;

/**
 * One CSV field (RFC 4180). A value a spreadsheet would run as a formula (=, +, -, @, tab, CR at
 * its start) gets a leading apostrophe, as OWASP advises against CSV injection.
 */
export function csvField(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The findings table: one row per finding, lists joined with "; ", Markdown fields as written. */
export function findingsCsv(model: ReportModel): string {
  const rows = model.findings.map((f) => [
    f.ref, f.id, f.title, f.severity, f.status, f.cvss_score, f.cvss_vector, f.cwe, f.cve.join('; '),
    f.assets.map((a) => a.name).join('; '), f.tags.join('; '), f.description, f.impact, f.steps_to_reproduce,
    f.remediation, f.references.join('; '), f.created_at, f.updated_at,
  ].map(csvField).join(','));
  // The byte-order mark makes spreadsheets read it as UTF-8.
  return `\uFEFF${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}

export const renderCsv: Renderer = async ({ model }) => Buffer.from(findingsCsv(model), 'utf8');

export const renderJson: Renderer = async ({ model }) => Buffer.from(`${JSON.stringify(model, null, 2)}\n`, 'utf8');
