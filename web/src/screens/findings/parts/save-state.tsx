import { useEffect, useState } from 'react';
import type { SaveState } from './use-autosave';

function ago(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  return m < 60 ? `${m} min ago` : `${Math.round(m / 60)} h ago`;
}

/** "Saving…", "Saved 2 s ago", "Not saved: … — Retry": where the draft stands, announced politely. */
export function SaveIndicator({ state, onRetry }: { state: SaveState; onRetry: () => void }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (state.kind !== 'saved') return;
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, [state.kind]);
  return (
    <div className={`fe-save fe-save-${state.kind}`} role="status" aria-live="polite" data-testid="save-state">
      {state.kind === 'idle' && <span>All changes saved</span>}
      {state.kind === 'pending' && <span>Unsaved changes</span>}
      {state.kind === 'saving' && <><span className="spinner" aria-hidden="true" /> <span>Saving…</span></>}
      {state.kind === 'saved' && <span title={new Date(state.at).toLocaleString()}>Saved {ago(state.at, Math.max(now, state.at))}</span>}
      {state.kind === 'conflict' && <span>Not saved: someone else changed this finding</span>}
      {state.kind === 'error' && (
        <>
          <span>Not saved: {state.error}</span>
          <span aria-hidden="true">—</span>
          <button type="button" className="link-button" onClick={onRetry}>Retry</button>
        </>
      )}
    </div>
  );
}
