import { useState } from 'react';
import { api } from '../../../api/client';
import { describeError, unwrap } from '../../../api/errors';
import { queryClient } from '../../../api/query';
import type { Finding } from '../../../api/types';
import { FINDING_STATUSES } from '../../../ui/badges';
import { Button } from '../../../ui/button';
import { Banner, ProgressBar } from '../../../ui/feedback';
import { useToast } from '../../../ui/toast';

/** Runs `work` over `items`, `concurrency` at a time, reporting each completion. */
async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>, onDone: () => void) {
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
      onDone();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, run));
}

interface Failure {
  id: string;
  title: string;
  message: string;
}

/**
 * The bar over the list while rows are selected: set one status on all of them. The API has no
 * bulk endpoint, so it sends one PUT per finding, four at a time, with a progress bar, and names
 * each finding that failed.
 */
export function BulkStatus({ selected, rows, onDone }: { selected: Set<string>; rows: Finding[]; onDone: (keep: Set<string>) => void }) {
  const toast = useToast();
  const [status, setStatus] = useState<string>('Confirmed');
  const [progress, setProgress] = useState<{ done: number; total: number } | undefined>();
  const [failures, setFailures] = useState<Failure[]>([]);
  const byId = new Map(rows.map((r) => [r.id, r]));

  const apply = async () => {
    const ids = [...selected];
    const failed: Failure[] = [];
    setFailures([]);
    setProgress({ done: 0, total: ids.length });
    await pool(ids, 4, async (id) => {
      try {
        await unwrap(api.PUT('/findings/{id}', { params: { path: { id } }, body: { status: status as Finding['status'] } }));
      } catch (err) {
        failed.push({ id, title: byId.get(id)?.title ?? id, message: describeError(err) });
      }
    }, () => setProgress((p) => p && { ...p, done: p.done + 1 }));
    setProgress(undefined);
    setFailures(failed);
    void queryClient.invalidateQueries({ queryKey: ['findings'] });
    const ok = ids.length - failed.length;
    if (ok > 0) toast(`${ok} finding${ok === 1 ? '' : 's'} set to ${status}`);
    onDone(new Set(failed.map((f) => f.id)));
  };

  return (
    <div className="fl-bulk" role="region" aria-label="Bulk actions">
      {selected.size > 0 && (
        <div className="fl-bulk-bar">
          <strong>{selected.size} selected</strong>
          <label className="fl-inline-label" htmlFor="fl-bulk-status">Set status to</label>
          <select id="fl-bulk-status" value={status} onChange={(e) => setStatus(e.target.value)} disabled={!!progress}>
            {FINDING_STATUSES.map((s) => <option key={s}>{s}</option>)}
          </select>
          <Button variant="primary" size="sm" busy={!!progress} onClick={() => void apply()}>Apply to {selected.size}</Button>
          <Button variant="ghost" size="sm" disabled={!!progress} onClick={() => onDone(new Set())}>Clear selection</Button>
          {progress && (
            <div className="fl-bulk-progress">
              <ProgressBar value={(progress.done / progress.total) * 100} label="Changing status" />
              <span className="muted">{progress.done} of {progress.total}</span>
            </div>
          )}
        </div>
      )}
      {failures.length > 0 && (
        <Banner kind="error">
          <div>
            <strong>{failures.length} finding{failures.length === 1 ? ' was' : 's were'} not changed</strong> (still selected, apply again to retry):
            <ul className="fl-failures">
              {failures.map((f) => <li key={f.id}>{f.title}: {f.message}</li>)}
            </ul>
          </div>
        </Banner>
      )}
    </div>
  );
}
