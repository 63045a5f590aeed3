import { useEffect, useId, useState } from 'react';
import { Button } from '../../../ui/button';
import { bandOf, buildVector, METRICS, metricsOf, parseVector, scoreOf, type CvssVersion, type Parsed } from './cvss';

const SEV_CLASS: Record<string, string> = { None: 'sev-info', Low: 'sev-low', Medium: 'sev-medium', High: 'sev-high', Critical: 'sev-critical' };

export function ScoreBadge({ vector }: { vector: string | null }) {
  const s = vector ? scoreOf(vector) : undefined;
  if (!s) return <span className="muted">No CVSS vector</span>;
  return (
    <span className="cv-score" aria-label={`CVSS score ${s.score.toFixed(1)}, ${s.band}`}>
      <span className="cv-score-num">{s.score.toFixed(1)}</span>
      <span className={`badge ${SEV_CLASS[s.band]}`}>{s.band}</span>
    </span>
  );
}

const empty = (version: CvssVersion): Parsed => ({ version, values: {}, extra: [] });

/**
 * The CVSS calculator: one radio group per base metric (arrow keys move within a group), the
 * score and band as metrics are chosen, a pasted vector read back into the buttons. A complete
 * vector is passed to `onChange` at once; an incomplete one is not (the API refuses it).
 */
export function CvssCalculator({ vector, onChange }: { vector: string | null; onChange: (vector: string | null) => void }) {
  const id = useId();
  const [parsed, setParsed] = useState<Parsed>(() => (vector && parseVector(vector)) || empty('3.1'));
  const [paste, setPaste] = useState('');
  const [pasteError, setPasteError] = useState('');

  // A vector changed from outside (someone else's version loaded) shows in the buttons.
  useEffect(() => {
    if (vector && vector !== buildVector(parsed)) {
      const p = parseVector(vector);
      if (p) setParsed(p);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [vector]);

  const built = buildVector(parsed);
  const score = built ? scoreOf(built) : undefined;
  const missing = metricsOf(parsed.version).filter((m) => !parsed.values[m.key]).length;

  const choose = (next: Parsed) => {
    setParsed(next);
    const v = buildVector(next);
    if (v && scoreOf(v)) onChange(v);
  };
  const setVersion = (version: CvssVersion) => {
    if (version === parsed.version) return;
    // Metrics both versions share carry over.
    const keys = new Set(metricsOf(version).map((m) => m.key));
    const values = Object.fromEntries(Object.entries(parsed.values).filter(([k]) => keys.has(k) && !['UI'].includes(k)));
    choose({ version, values, extra: [] });
  };
  const applyPasted = () => {
    const p = parseVector(paste);
    const v = p && buildVector(p);
    if (!p || !v || !scoreOf(v)) {
      setPasteError('Not a complete CVSS 3.1 or 4.0 vector, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
      return;
    }
    setPasteError('');
    setPaste('');
    choose(p);
  };

  return (
    <div className="cv" aria-label="CVSS calculator" role="group">
      <div className="cv-head">
        <div className="cv-versions" role="radiogroup" aria-label="CVSS version">
          {(['3.1', '4.0'] as const).map((ver) => (
            <label key={ver} className="cv-opt">
              <input type="radio" name={`${id}-version`} checked={parsed.version === ver} onChange={() => setVersion(ver)} />
              <span>CVSS {ver}</span>
            </label>
          ))}
        </div>
        <div className="cv-result" aria-live="polite">
          {score ? (
            <>
              <span className="cv-score-num" data-testid="cvss-score">{score.score.toFixed(1)}</span>
              <span className={`badge ${SEV_CLASS[score.band]}`} data-testid="cvss-band">{score.band}</span>
            </>
          ) : (
            <span className="muted">{missing} of {metricsOf(parsed.version).length} metrics left to choose</span>
          )}
        </div>
      </div>

      {METRICS[parsed.version].map((g) => (
        <div key={g.group} className="cv-group">
          <div className="cv-group-name">{g.group}</div>
          {g.metrics.map((m) => (
            <fieldset key={m.key} className="cv-metric" role="radiogroup" aria-labelledby={`${id}-${m.key}`}>
              <legend id={`${id}-${m.key}`} className="cv-metric-name">{m.name} <span className="cv-key">({m.key})</span></legend>
              <div className="cv-options">
                {m.values.map((val) => (
                  <label key={val.key} className="cv-opt" title={`${m.key}:${val.key}`}>
                    <input type="radio" name={`${id}-${m.key}`} value={val.key} checked={parsed.values[m.key] === val.key}
                      onChange={() => choose({ ...parsed, values: { ...parsed.values, [m.key]: val.key } })} />
                    <span>{val.name}</span>
                  </label>
                ))}
              </div>
            </fieldset>
          ))}
        </div>
      ))}

      <div className="cv-vector">
        <span className="cv-metric-name">Vector</span>
        <code className="mono" data-testid="cvss-vector">{built ?? `CVSS:${parsed.version}/…`}</code>
      </div>
      <div className="cv-paste">
        <label htmlFor={`${id}-paste`} className="cv-metric-name">Paste a vector</label>
        <div className="row">
          <input id={`${id}-paste`} className="mono" value={paste} placeholder="CVSS:3.1/AV:N/AC:L/…" aria-invalid={pasteError ? true : undefined}
            aria-describedby={pasteError ? `${id}-paste-error` : undefined}
            onChange={(e) => setPaste(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); applyPasted(); } }} />
          <Button size="sm" onClick={applyPasted} disabled={!paste.trim()}>Use vector</Button>
        </div>
        {pasteError && <div id={`${id}-paste-error`} className="field-error" role="alert">{pasteError}</div>}
      </div>
      {vector && (
        <Button size="sm" variant="ghost" icon="close" onClick={() => { setParsed(empty(parsed.version)); onChange(null); }}>Remove vector</Button>
      )}
    </div>
  );
}

export { bandOf };
