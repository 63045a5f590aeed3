import { useDeferredValue, useId, useMemo } from 'react';
import { MarkdownEditor } from './markdown-editor';
import { renderMarkdown } from './markdown';

export type ViewMode = 'edit' | 'split' | 'preview';

/** One Markdown section of a finding: the editor, its live preview, or both side by side. */
export function MarkdownField({ label, value, onChange, onBlur, mode, placeholder, error }: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  onBlur: () => void;
  mode: ViewMode;
  placeholder?: string;
  error?: string;
}) {
  const id = useId();
  const deferred = useDeferredValue(value);
  const html = useMemo(() => renderMarkdown(deferred), [deferred]);
  return (
    <section className={`fe-md fe-md-${mode} ${error ? 'fe-md-invalid' : ''}`} aria-labelledby={`${id}-label`}>
      <h2 id={`${id}-label`} className="fe-md-label">{label}</h2>
      <div className="fe-md-panes">
        {mode !== 'preview' && (
          <div className="fe-md-edit">
            <MarkdownEditor label={label} value={value} onChange={onChange} onBlur={onBlur} placeholder={placeholder} describedBy={error ? `${id}-error` : undefined} />
          </div>
        )}
        {mode !== 'edit' && (
          <div className="fe-md-preview markdown" aria-label={`${label} preview`} role="region" data-testid={`preview-${label}`}>
            {value.trim() ? <div dangerouslySetInnerHTML={{ __html: html }} /> : <p className="muted">Nothing written yet.</p>}
          </div>
        )}
      </div>
      {error && <div id={`${id}-error`} className="field-error" role="alert">{error}</div>}
    </section>
  );
}
