import { useState } from 'react';
import type { Finding } from '../../../api/types';
import { Button } from '../../../ui/button';
import { Dialog } from '../../../ui/dialog';
import { formatDateTime } from '../../../ui/format';
import { changedFields, describeValue, FIELD_LABELS, fromFinding, type Draft, type FieldName } from './draft';

export interface Conflict {
  /** The version the local edits started from. */
  base: Draft;
  /** The version on the server now. */
  theirs: Finding;
  /** The local edits. */
  mine: Draft;
}

/**
 * Someone else saved the finding while it had unsaved edits here: load their version, keep
 * these edits over theirs, or choose field by field. Never a silent overwrite.
 */
export function ConflictDialog({ conflict, assetName, onResolve }: {
  conflict: Conflict;
  assetName: (id: string) => string;
  onResolve: (draft: Draft, theirs: Finding) => void;
}) {
  const theirs = fromFinding(conflict.theirs);
  const theyChanged = new Set(changedFields(conflict.base, theirs));
  const iChanged = new Set(changedFields(conflict.base, conflict.mine));
  const fields = (Object.keys(FIELD_LABELS) as FieldName[]).filter((k) => theyChanged.has(k) || iChanged.has(k));
  const [review, setReview] = useState(false);
  const [choice, setChoice] = useState<Record<string, 'mine' | 'theirs'>>(() =>
    Object.fromEntries(fields.map((k) => [k, iChanged.has(k) ? 'mine' : 'theirs'])));

  const merged = (pick: (k: FieldName) => 'mine' | 'theirs'): Draft => {
    const out = { ...theirs } as Record<FieldName, unknown>;
    for (const k of fields) if (pick(k) === 'mine') out[k] = conflict.mine[k];
    return out as unknown as Draft;
  };

  const footer = review ? (
    <>
      <Button onClick={() => setReview(false)}>Back</Button>
      <Button variant="primary" onClick={() => onResolve(merged((k) => choice[k] ?? 'theirs'), conflict.theirs)}>Save these choices</Button>
    </>
  ) : (
    <>
      <Button onClick={() => setReview(true)}>Review field by field</Button>
      <Button onClick={() => onResolve(theirs, conflict.theirs)}>Load their version</Button>
      <Button variant="primary" onClick={() => onResolve(merged((k) => (iChanged.has(k) ? 'mine' : 'theirs')), conflict.theirs)} autoFocus>
        Keep mine and overwrite
      </Button>
    </>
  );

  return (
    <Dialog open title="Someone else changed this finding" wide onClose={() => { /* a choice is needed: Escape keeps the dialog */ }} footer={footer}>
      <p>
        It was saved by someone else at {formatDateTime(conflict.theirs.updated_at)}, while you had changes that are not saved yet.
        {' '}<strong>Load their version</strong> drops your changes; <strong>Keep mine and overwrite</strong> saves your changes over theirs
        (fields only they changed keep their version).
      </p>
      <div className="fe-diff-wrap">
        <table className="table fe-diff">
          <caption className="sr-only">Fields changed by them and by you</caption>
          <thead>
            <tr><th scope="col">Field</th><th scope="col">Their version</th><th scope="col">Your version</th></tr>
          </thead>
          <tbody>
            {fields.map((k) => (
              <tr key={k}>
                <th scope="row">
                  {FIELD_LABELS[k]}
                  <div className="fe-diff-who">{[theyChanged.has(k) && 'they changed', iChanged.has(k) && 'you changed'].filter(Boolean).join(', ')}</div>
                </th>
                {(['theirs', 'mine'] as const).map((side) => (
                  <td key={side} className={review && choice[k] === side ? 'fe-diff-chosen' : undefined}>
                    {review ? (
                      <label className="fe-diff-pick">
                        <input type="radio" name={`pick-${k}`} checked={choice[k] === side} onChange={() => setChoice((c) => ({ ...c, [k]: side }))}
                          aria-label={`${FIELD_LABELS[k]}: use ${side === 'mine' ? 'your' : 'their'} version`} />
                        <span className="fe-diff-value">{describeValue(side === 'mine' ? conflict.mine : theirs, k, assetName)}</span>
                      </label>
                    ) : (
                      <span className="fe-diff-value">{describeValue(side === 'mine' ? conflict.mine : theirs, k, assetName)}</span>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Dialog>
  );
}
