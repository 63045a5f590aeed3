import { useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client';
import { unwrap } from '../../../api/errors';
import { FINDING_STATUSES, SEVERITIES } from '../../../ui/badges';
import { Button } from '../../../ui/button';
import { Field } from '../../../ui/field';
import { CvssCalculator, ScoreBadge } from './cvss-calculator';
import { scoreOf, severityOfBand } from './cvss';
import type { Draft } from './draft';
import { MarkdownField, type ViewMode } from './markdown-field';
import { AssetsField, ReferencesField } from './side-fields';

const MODE_KEY = 'neuro.findingEditor.view';
const SECTIONS = [
  { key: 'description', label: 'Description', placeholder: 'What is the vulnerability, and where is it?' },
  { key: 'impact', label: 'Impact', placeholder: 'What can an attacker do with it?' },
  { key: 'steps_to_reproduce', label: 'Steps to reproduce', placeholder: '1. Open …\n2. Send …' },
  { key: 'remediation', label: 'Remediation', placeholder: 'How to fix it, and how to verify the fix.' },
] as const;

export function useAssetsOf(projectId: string | undefined) {
  return useQuery({
    queryKey: ['assets', 'of-project', projectId],
    queryFn: async () => (await unwrap(api.GET('/assets', { params: { query: { project_id: projectId!, limit: 100, sort: 'name', order: 'asc' } } }))).data,
    enabled: !!projectId,
  });
}

/**
 * The finding's fields: the title and the four Markdown sections on the left; classification,
 * CVSS (with the calculator), references and affected assets on the right.
 */
export function EditorForm({ draft, setDraft, projectId, errors, onBlur, projectField, readOnly }: {
  draft: Draft;
  setDraft: (patch: Partial<Draft>) => void;
  projectId: string | undefined;
  errors: Record<string, string>;
  onBlur: () => void;
  projectField?: React.ReactNode;
  readOnly?: boolean;
}) {
  const [mode, setModeState] = useState<ViewMode>(() => (localStorage.getItem(MODE_KEY) as ViewMode | null) ?? 'split');
  const setMode = (m: ViewMode) => {
    setModeState(m);
    localStorage.setItem(MODE_KEY, m);
  };
  const [calculator, setCalculator] = useState(false);
  const severityTouched = useRef(false);
  const assets = useAssetsOf(projectId);

  const band = draft.cvss_vector ? scoreOf(draft.cvss_vector)?.band : undefined;
  const suggested = band ? severityOfBand(band) : undefined;
  const onVector = (vector: string | null) => {
    const prev = draft.cvss_vector ? scoreOf(draft.cvss_vector)?.band : undefined;
    const next = vector ? scoreOf(vector)?.band : undefined;
    const follow = !severityTouched.current || (prev && draft.severity === severityOfBand(prev));
    setDraft({ cvss_vector: vector, ...(next && follow ? { severity: severityOfBand(next) } : {}) });
  };

  return (
    <fieldset className="fe-layout" onBlur={onBlur} disabled={readOnly}>
      <legend className="sr-only">Finding</legend>
      <div className="fe-main">
        <Field label="Title" error={errors.title}>
          <input className="fe-title-input" value={draft.title} placeholder="e.g. SQL injection in the search endpoint" maxLength={500}
            onChange={(e) => setDraft({ title: e.target.value })} />
        </Field>
        <div className="fe-md-toolbar">
          <span className="muted">Markdown, with a live preview</span>
          <div className="fe-seg" role="radiogroup" aria-label="Markdown view">
            {(['edit', 'split', 'preview'] as const).map((m) => (
              <label key={m} className="fe-seg-opt">
                <input type="radio" name="fe-mode" checked={mode === m} onChange={() => setMode(m)} />
                <span>{m === 'edit' ? 'Edit' : m === 'split' ? 'Split' : 'Preview'}</span>
              </label>
            ))}
          </div>
        </div>
        {SECTIONS.map((s) => (
          <MarkdownField key={s.key} label={s.label} value={draft[s.key]} mode={mode} placeholder={s.placeholder}
            error={errors[s.key]} onChange={(v) => setDraft({ [s.key]: v })} onBlur={onBlur} />
        ))}
      </div>

      <aside className="fe-side" aria-label="Classification">
        <section className="card fe-card">
          {projectField}
          <div className="fe-two">
            <Field label="Severity" error={errors.severity}>
              <select value={draft.severity} onChange={(e) => { severityTouched.current = true; setDraft({ severity: e.target.value }); }}>
                {SEVERITIES.map((s) => <option key={s}>{s}</option>)}
              </select>
            </Field>
            <Field label="Status" error={errors.status}>
              <select value={draft.status} onChange={(e) => setDraft({ status: e.target.value })}>
                {FINDING_STATUSES.map((s) => <option key={s}>{s}</option>)}
              </select>
            </Field>
          </div>
          {suggested && suggested !== draft.severity && (
            <div className="fe-suggest" role="status">
              The CVSS score suggests <strong>{suggested}</strong>.
              <Button size="sm" variant="ghost" onClick={() => { severityTouched.current = false; setDraft({ severity: suggested }); }}>Use {suggested}</Button>
            </div>
          )}
          <div className="fe-two">
            <Field label="CWE" error={errors.cwe} hint="e.g. CWE-89">
              <input value={draft.cwe} placeholder="CWE-…" onChange={(e) => setDraft({ cwe: e.target.value })} />
            </Field>
            <Field label="CVE" error={errors.cve} hint="Comma-separated">
              <input value={draft.cve} placeholder="CVE-2024-…" onChange={(e) => setDraft({ cve: e.target.value })} />
            </Field>
          </div>
        </section>

        <section className="card fe-card" aria-labelledby="fe-cvss-title">
          <div className="fe-card-head">
            <h2 id="fe-cvss-title">CVSS</h2>
            <Button size="sm" aria-expanded={calculator} aria-controls="fe-calculator" onClick={() => setCalculator((c) => !c)}>
              {calculator ? 'Close calculator' : 'Open calculator'}
            </Button>
          </div>
          <ScoreBadge vector={draft.cvss_vector} />
          {draft.cvss_vector && <code className="fe-vector mono">{draft.cvss_vector}</code>}
          {errors.cvss_vector && <div className="field-error" role="alert">{errors.cvss_vector}</div>}
          <div id="fe-calculator" hidden={!calculator}>
            {calculator && <CvssCalculator vector={draft.cvss_vector} onChange={onVector} />}
          </div>
        </section>

        <section className="card fe-card" aria-labelledby="fe-refs-title">
          <h2 id="fe-refs-title" className="fe-card-title">References</h2>
          <ReferencesField value={draft.references} onChange={(references) => setDraft({ references })} error={errors.references} />
        </section>

        <section className="card fe-card" aria-labelledby="fe-assets-title">
          <h2 id="fe-assets-title" className="fe-card-title">Affected assets</h2>
          {projectId
            ? <AssetsField assets={assets.data} value={draft.asset_ids} onChange={(asset_ids) => setDraft({ asset_ids })} error={errors.asset_ids} />
            : <p className="muted">Choose the project first.</p>}
        </section>
      </aside>
    </fieldset>
  );
}
