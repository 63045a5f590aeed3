import { useId, useState } from 'react';
import type { Asset } from '../../../api/types';
import { Button } from '../../../ui/button';
import { Icon } from '../../../ui/icons';

/** A finding's references: one URL a row, added and removed one at a time. */
export function ReferencesField({ value, onChange, error }: { value: string[]; onChange: (v: string[]) => void; error?: string }) {
  const id = useId();
  const [adding, setAdding] = useState('');
  const add = () => {
    const url = adding.trim();
    if (!url) return;
    onChange([...value, url]);
    setAdding('');
  };
  return (
    <div className="fe-refs">
      {value.length > 0 && (
        <ul className="fe-ref-list">
          {value.map((r, i) => (
            <li key={i} className="fe-ref">
              <input aria-label={`Reference ${i + 1}`} type="url" value={r} onChange={(e) => onChange(value.map((x, j) => (j === i ? e.target.value : x)))} />
              <button type="button" className="icon-button" aria-label={`Remove reference ${i + 1}`} onClick={() => onChange(value.filter((_, j) => j !== i))}>
                <Icon name="close" size={16} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="fe-ref-add">
        <input id={`${id}-add`} type="url" aria-label="Add a reference URL" placeholder="https://…" value={adding}
          onChange={(e) => setAdding(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } }} />
        <Button size="sm" icon="plus" onClick={add} disabled={!adding.trim()}>Add</Button>
      </div>
      {error && <div className="field-error" role="alert">{error}</div>}
    </div>
  );
}

/** The assets of the finding's project it affects: a filterable list of checkboxes. */
export function AssetsField({ assets, value, onChange, error }: { assets: Asset[] | undefined; value: string[]; onChange: (v: string[]) => void; error?: string }) {
  const [filter, setFilter] = useState('');
  if (!assets) return <p className="muted">Loading assets…</p>;
  if (assets.length === 0) return <p className="muted">This project has no assets yet. Add them in the project's Assets tab.</p>;
  const chosen = new Set(value);
  const shown = assets.filter((a) => !filter || a.name.toLowerCase().includes(filter.toLowerCase()));
  const toggle = (assetId: string) => onChange(chosen.has(assetId) ? value.filter((x) => x !== assetId) : [...value, assetId]);
  return (
    <fieldset className="fe-assets">
      <legend className="sr-only">Affected assets</legend>
      {assets.length > 8 && <input type="search" aria-label="Filter assets" placeholder="Filter assets…" value={filter} onChange={(e) => setFilter(e.target.value)} />}
      <div className="fe-asset-list">
        {shown.map((a) => (
          <label key={a.id} className="check fe-asset">
            <input type="checkbox" checked={chosen.has(a.id)} onChange={() => toggle(a.id)} />
            <span className="fe-asset-name">{a.name}</span>
            <span className="muted fe-asset-type">{a.type}</span>
          </label>
        ))}
        {shown.length === 0 && <p className="muted">No asset matches “{filter}”.</p>}
      </div>
      <div className="muted fe-asset-count">{value.length} of {assets.length} selected</div>
      {error && <div className="field-error" role="alert">{error}</div>}
    </fieldset>
  );
}
