import { SCOPE_GROUPS, SCOPE_PRESETS } from '../../../app/scopes';

/** Scopes as checkboxes by resource, with the documents' presets one click away. */
export function ScopePicker({ value, onChange, error }: { value: string[]; onChange: (v: string[]) => void; error?: string }) {
  const set = new Set(value);
  const admin = set.has('admin');
  const toggle = (scope: string) => {
    const next = new Set(set);
    if (next.has(scope)) next.delete(scope);
    else next.add(scope);
    onChange([...next]);
  };
  const preset = SCOPE_PRESETS.find((p) => p.scopes.length === set.size && p.scopes.every((s) => set.has(s)));
  return (
    <fieldset className={`scope-picker ${error ? 'field-invalid' : ''}`} aria-describedby={error ? 'scope-error' : undefined}>
      <legend>Scopes</legend>
      <div className="preset-row" role="group" aria-label="Presets">
        {SCOPE_PRESETS.map((p) => (
          <button key={p.id} type="button" className={`chip ${preset?.id === p.id ? 'chip-on' : ''}`} aria-pressed={preset?.id === p.id}
            onClick={() => onChange([...p.scopes])}>
            {p.label}
          </button>
        ))}
      </div>
      <div className="scope-grid">
        {SCOPE_GROUPS.map((g) => (
          <div key={g.resource} className="scope-group">
            <span className="scope-resource">{g.resource}</span>
            {g.scopes.map((s) => (
              <label key={s} className="check">
                <input type="checkbox" checked={admin || set.has(s)} disabled={admin} onChange={() => toggle(s)} />
                <span>{s.endsWith(':read') ? 'Read' : 'Write'}</span>
                <span className="sr-only">{s}</span>
              </label>
            ))}
          </div>
        ))}
      </div>
      <label className="check scope-admin">
        <input type="checkbox" checked={admin} onChange={() => toggle('admin')} />
        <span><strong>admin</strong> <span className="muted">— every scope, including users, webhooks and settings</span></span>
      </label>
      {error && <div id="scope-error" className="field-error" role="alert">{error}</div>}
    </fieldset>
  );
}

/** Scopes as small badges. */
export function ScopeList({ scopes }: { scopes: string[] }) {
  if (scopes.length === 0) return <span className="muted">none</span>;
  return <span className="scope-badges">{scopes.map((s) => <span key={s} className="badge badge-scope">{s}</span>)}</span>;
}
