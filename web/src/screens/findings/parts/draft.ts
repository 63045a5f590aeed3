import type { Finding } from '../../../api/types';

/** What the editor edits: a finding's writable fields, as the form holds them. */
export interface Draft {
  title: string;
  severity: string;
  status: string;
  cwe: string;
  cve: string;
  references: string[];
  asset_ids: string[];
  cvss_vector: string | null;
  description: string;
  impact: string;
  steps_to_reproduce: string;
  remediation: string;
}
export type FieldName = keyof Draft;

export const FIELD_LABELS: Record<FieldName, string> = {
  title: 'Title', severity: 'Severity', status: 'Status', cwe: 'CWE', cve: 'CVE', references: 'References',
  asset_ids: 'Affected assets', cvss_vector: 'CVSS vector', description: 'Description', impact: 'Impact',
  steps_to_reproduce: 'Steps to reproduce', remediation: 'Remediation',
};
export const FIELDS = Object.keys(FIELD_LABELS) as FieldName[];

export function fromFinding(f: Finding): Draft {
  return {
    title: f.title, severity: f.severity, status: f.status, cwe: f.cwe ?? '', cve: f.cve.join(', '),
    references: [...f.references], asset_ids: [...f.asset_ids].sort(), cvss_vector: f.cvss_vector,
    description: f.description ?? '', impact: f.impact ?? '', steps_to_reproduce: f.steps_to_reproduce ?? '', remediation: f.remediation ?? '',
  };
}

export const blankDraft = (): Draft => ({
  title: '', severity: 'Info', status: 'Open', cwe: '', cve: '', references: [], asset_ids: [], cvss_vector: null,
  description: '', impact: '', steps_to_reproduce: '', remediation: '',
});

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
function norm(d: Draft, k: FieldName): unknown {
  if (k === 'asset_ids') return [...d.asset_ids].sort();
  if (k === 'cve') return cveList(d.cve);
  if (k === 'cwe') return d.cwe.trim().toUpperCase();
  if (k === 'title') return d.title.trim();
  if (k === 'references') return d.references.map((r) => r.trim()).filter(Boolean);
  return d[k];
}

/** The fields where `a` and `b` differ. */
export const changedFields = (a: Draft, b: Draft) => FIELDS.filter((k) => !same(norm(a, k), norm(b, k)));

const cveList = (text: string) => [...new Set(text.split(/[\s,;]+/).map((c) => c.trim().toUpperCase()).filter(Boolean))];
const orNull = (s: string) => (s.trim() === '' ? null : s);

/** The API body for `fields` of `d`. */
export function toBody(d: Draft, fields: FieldName[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of fields) {
    if (k === 'cwe') out.cwe = orNull(d.cwe.trim().toUpperCase());
    else if (k === 'cve') out.cve = cveList(d.cve);
    else if (k === 'references') out.references = d.references.map((r) => r.trim()).filter(Boolean);
    else if (['description', 'impact', 'steps_to_reproduce', 'remediation'].includes(k)) out[k] = orNull(d[k] as string);
    else if (k === 'title') out.title = d.title.trim();
    else out[k] = d[k];
  }
  // Clearing the vector needs the severity the finding keeps (the API asks for both).
  if (out.cvss_vector === null) out.severity = d.severity;
  return out;
}

/** A field's value in a few words, for the conflict dialog. */
export function describeValue(d: Draft, k: FieldName, assetName: (id: string) => string): string {
  const v = d[k];
  if (k === 'asset_ids') return d.asset_ids.length ? d.asset_ids.map(assetName).join(', ') : '—';
  if (Array.isArray(v)) return v.length ? v.join('\n') : '—';
  if (v === null || v === '') return '—';
  const s = String(v);
  return s.length > 400 ? `${s.slice(0, 400)}…` : s;
}
