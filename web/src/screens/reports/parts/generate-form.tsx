import { useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../api/client';
import { unwrap } from '../../../api/errors';
import type { Report } from '../../../api/types';
import { FINDING_STATUSES, SEVERITIES } from '../../../ui/badges';
import { Button } from '../../../ui/button';
import { Dialog } from '../../../ui/dialog';
import { Field } from '../../../ui/field';
import { FormError, fieldErrors } from '../../clients/parts/list-tools';
import { FORMAT_LABEL, REPORT_FORMATS, TEMPLATE_FORMAT } from './report-bits';

const FIELDS = ['project_id', 'format', 'template_id', 'title', 'version', 'classification', 'include'];
const DEFAULT_STATUSES = FINDING_STATUSES.filter((s) => s !== 'False Positive');

/** The version the server will give a new report of `format` (reports/service.ts nextVersion). */
function nextVersion(reports: Pick<Report, 'version' | 'format'>[], format: string): string {
  const key = (v: string) => v.split('.').map(Number);
  const cmp = (a: number[], b: number[]) => (a[0]! - b[0]!) || ((a[1] ?? 0) - (b[1] ?? 0)) || ((a[2] ?? 0) - (b[2] ?? 0));
  const versions = [...new Set(reports.map((r) => r.version))].filter((v) => key(v).every(Number.isFinite)).sort((a, b) => cmp(key(a), key(b)));
  const latest = versions[versions.length - 1];
  if (latest === undefined) return '1.0';
  if (!reports.some((r) => r.version === latest && r.format === format)) return latest;
  const [major, minor] = key(latest);
  return `${major}.${(minor ?? 0) + 1}`;
}

function Checks<T extends string>({ legend, all, value, onChange, error }: { legend: string; all: readonly T[]; value: T[]; onChange: (v: T[]) => void; error?: string }) {
  return (
    <fieldset className="ws-checks" aria-invalid={error ? true : undefined}>
      <legend>{legend}</legend>
      {all.map((s) => (
        <label key={s} className="check">
          <input type="checkbox" checked={value.includes(s)} onChange={(e) => onChange(e.target.checked ? all.filter((x) => x === s || value.includes(x)) : value.filter((x) => x !== s))} />
          {s}
        </label>
      ))}
      {error && <div className="field-error" role="alert">{error}</div>}
    </fieldset>
  );
}

/**
 * Generate a report: format, a template of that format (built-in first), title, version (empty
 * for the next one), classification, and which findings it covers. With no `projectId` the
 * project is chosen here.
 */
export function GenerateReportDialog({ open, projectId, onClose, onQueued }: { open: boolean; projectId?: string; onClose: () => void; onQueued: (r: Report) => void }) {
  const qc = useQueryClient();
  const [project, setProject] = useState(projectId ?? '');
  const [format, setFormat] = useState<(typeof REPORT_FORMATS)[number]>('pdf');
  const [template, setTemplate] = useState('');
  const [title, setTitle] = useState('');
  const [version, setVersion] = useState('');
  const [classification, setClassification] = useState('');
  const [severities, setSeverities] = useState<string[]>([...SEVERITIES]);
  const [statuses, setStatuses] = useState<string[]>(DEFAULT_STATUSES);

  const templates = useQuery({
    queryKey: ['reports', 'templates'],
    queryFn: () => unwrap(api.GET('/report-templates', { params: { query: { limit: 100 } } })),
    enabled: open,
  });
  const projects = useQuery({
    queryKey: ['projects', 'options'],
    queryFn: () => unwrap(api.GET('/projects', { params: { query: { sort: 'updated_at', order: 'desc', limit: 100 } } })),
    enabled: open && !projectId,
  });
  const existing = useQuery({
    queryKey: ['reports', 'versions', project],
    queryFn: () => unwrap(api.GET('/projects/{id}/reports', { params: { path: { id: project }, query: { limit: 100 } } })),
    enabled: open && !!project,
  });
  const matching = useMemo(() => {
    const list = (templates.data?.data ?? []).filter((t) => TEMPLATE_FORMAT[t.kind] === format);
    return [...list.filter((t) => t.built_in), ...list.filter((t) => !t.built_in)];
  }, [templates.data, format]);
  const placeholder = existing.data ? nextVersion(existing.data.data, format) : '';

  const generate = useMutation({
    mutationFn: async () => (await unwrap(api.POST('/reports', {
      body: {
        project_id: project,
        format,
        ...(template ? { template_id: template } : {}),
        ...(title.trim() ? { title: title.trim() } : {}),
        ...(version.trim() ? { version: version.trim() } : {}),
        ...(classification.trim() ? { classification: classification.trim() } : {}),
        include: { severities: severities as never, statuses: statuses as never },
      },
    }))).data,
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: ['reports'] });
      onQueued(r);
    },
  });
  const errors = fieldErrors(generate.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    generate.mutate();
  };
  const pickFormat = (f: (typeof REPORT_FORMATS)[number]) => {
    setFormat(f);
    setTemplate('');
  };
  return (
    <Dialog open={open} wide title="Generate report" onClose={() => { generate.reset(); onClose(); }}>
      <form onSubmit={submit} noValidate>
        <FormError error={generate.error} fields={FIELDS} />
        {!projectId && (
          <Field label="Project" error={errors.project_id}>
            <select value={project} onChange={(e) => setProject(e.target.value)}>
              <option value="">Choose a project…</option>
              {(projects.data?.data ?? []).map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
            </select>
          </Field>
        )}
        <div className="ws-form-row">
          <Field label="Format" error={errors.format}>
            <select value={format} onChange={(e) => pickFormat(e.target.value as (typeof REPORT_FORMATS)[number])}>
              {REPORT_FORMATS.map((f) => <option key={f} value={f}>{FORMAT_LABEL[f]}</option>)}
            </select>
          </Field>
          <Field label="Template" error={errors.template_id}
            hint={matching.length === 0 ? `${FORMAT_LABEL[format]} reports use the built-in layout.` : "Default: the project's or client's template, else the built-in design."}>
            <select value={template} onChange={(e) => setTemplate(e.target.value)} disabled={matching.length === 0}>
              <option value="">Default</option>
              {matching.map((t) => <option key={t.id} value={t.id}>{t.name}{t.built_in ? ' (built-in)' : ''}</option>)}
            </select>
          </Field>
        </div>
        <Field label="Title" error={errors.title}><input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="Penetration Test Report" /></Field>
        <div className="ws-form-row">
          <Field label="Version" error={errors.version} hint="Empty for the next version.">
            <input value={version} onChange={(e) => setVersion(e.target.value)} placeholder={placeholder ? `${placeholder} (next)` : 'Next version'} inputMode="decimal" />
          </Field>
          <Field label="Classification" error={errors.classification} hint="Empty for your tenant's default.">
            <input value={classification} onChange={(e) => setClassification(e.target.value)} placeholder="e.g. Confidential" />
          </Field>
        </div>
        <div className="ws-form-row">
          <Checks legend="Severities" all={SEVERITIES} value={severities} onChange={setSeverities} error={errors['include.severities']} />
          <Checks legend="Statuses" all={FINDING_STATUSES} value={statuses} onChange={setStatuses} error={errors['include.statuses']} />
        </div>
        <div className="form-actions">
          <Button onClick={() => { generate.reset(); onClose(); }}>Cancel</Button>
          <Button type="submit" variant="primary" busy={generate.isPending} disabled={!project || severities.length === 0 || statuses.length === 0}>Generate</Button>
        </div>
      </form>
    </Dialog>
  );
}
