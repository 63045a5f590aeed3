import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../../api/client';
import { ApiError, describeError, unwrap } from '../../../api/errors';
import { queryClient } from '../../../api/query';
import type { Finding } from '../../../api/types';
import type { Conflict } from './conflict-dialog';
import { changedFields, fromFinding, toBody, type Draft } from './draft';

export type SaveState =
  | { kind: 'idle' }
  | { kind: 'pending' }
  | { kind: 'saving' }
  | { kind: 'saved'; at: number }
  | { kind: 'error'; error: string }
  | { kind: 'conflict' };

const DEBOUNCE_MS = 1000;
export const detailKey = (id: string) => ['findings', 'detail', id];

/**
 * The editor's draft of a finding and its autosave: a save 1 s after typing stops (and at once
 * on blur), only of the fields that changed, with If-Match carrying the `updated_at` the draft
 * started from. A 409 — or a newer version arriving from the server (a live event refreshed it)
 * while there are unsaved edits — becomes a `conflict` to resolve; a failed save keeps the draft.
 */
export function useAutosave(initial: Finding, latest: Finding | undefined) {
  const id = initial.id;
  const [base, setBaseState] = useState(initial);
  const [draft, setDraftState] = useState(() => fromFinding(initial));
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });
  const [conflict, setConflict] = useState<Conflict>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string>();
  const baseRef = useRef(initial);
  const draftRef = useRef(draft);
  const inFlight = useRef(false);
  const again = useRef(false);
  const inConflict = useRef(false);
  const failedDraft = useRef<string | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const setBase = (f: Finding) => {
    baseRef.current = f;
    setBaseState(f);
    queryClient.setQueryData(detailKey(id), { success: true, data: f });
  };
  const setDraftNow = (d: Draft) => {
    draftRef.current = d;
    setDraftState(d);
  };
  const dirtyFields = () => changedFields(fromFinding(baseRef.current), draftRef.current);

  const saveNow = useCallback(async (): Promise<void> => {
    clearTimeout(timer.current);
    if (inConflict.current) return;
    if (inFlight.current) {
      again.current = true;
      return;
    }
    const fields = dirtyFields();
    if (fields.length === 0) return;
    const sent = draftRef.current;
    const sentBase = baseRef.current;
    inFlight.current = true;
    setSave({ kind: 'saving' });
    try {
      const res = await unwrap(api.PUT('/findings/{id}', {
        params: { path: { id }, header: { 'if-match': sentBase.updated_at } },
        body: toBody(sent, fields) as never,
      }));
      failedDraft.current = undefined;
      setBase(res.data);
      setFieldErrors({});
      setSave({ kind: 'saved', at: Date.now() });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        inConflict.current = true;
        try {
          const theirs = (await unwrap(api.GET('/findings/{id}', { params: { path: { id } } }))).data;
          setConflict({ base: fromFinding(sentBase), theirs, mine: draftRef.current });
          setSave({ kind: 'conflict' });
        } catch (e) {
          inConflict.current = false;
          setSave({ kind: 'error', error: describeError(e) });
        }
      } else {
        failedDraft.current = JSON.stringify(sent);
        setFieldErrors(err instanceof ApiError ? err.fields : {});
        setSave({ kind: 'error', error: describeError(err) });
      }
    } finally {
      inFlight.current = false;
    }
    // Typed while it was saving: save that too.
    if (again.current || (!inConflict.current && failedDraft.current === undefined && dirtyFields().length > 0)) {
      again.current = false;
      timer.current = setTimeout(() => void saveNow(), DEBOUNCE_MS);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);

  const setDraft = useCallback((patch: Partial<Draft>) => {
    setDraftNow({ ...draftRef.current, ...patch });
    setNotice(undefined);
    clearTimeout(timer.current);
    if (inConflict.current) return;
    setSave((s) => (s.kind === 'saving' ? s : { kind: 'pending' }));
    timer.current = setTimeout(() => void saveNow(), DEBOUNCE_MS);
  }, [saveNow]);

  /** A version from the server (a live event or a refetch) newer than the one the draft started from. */
  useEffect(() => {
    if (!latest || inFlight.current || inConflict.current) return;
    if (latest.updated_at <= baseRef.current.updated_at) return;
    if (dirtyFields().length === 0) {
      setBase(latest);
      setDraftNow(fromFinding(latest));
      setNotice(`Someone else changed this finding at ${new Date(latest.updated_at).toLocaleTimeString()}: you see their version.`);
    } else {
      clearTimeout(timer.current);
      inConflict.current = true;
      setConflict({ base: fromFinding(baseRef.current), theirs: latest, mine: draftRef.current });
      setSave({ kind: 'conflict' });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [latest, save.kind]);

  const resolve = useCallback((next: Draft, theirs: Finding) => {
    inConflict.current = false;
    setConflict(undefined);
    setBase(theirs);
    setDraftNow(next);
    if (changedFields(fromFinding(theirs), next).length > 0) void saveNow();
    else setSave({ kind: 'saved', at: Date.now() });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [saveNow]);

  // Unsaved edits when leaving: the browser asks before closing the tab; leaving the screen saves them.
  useEffect(() => {
    const onUnload = (e: BeforeUnloadEvent) => {
      if (dirtyFields().length > 0) e.preventDefault();
    };
    window.addEventListener('beforeunload', onUnload);
    return () => {
      window.removeEventListener('beforeunload', onUnload);
      clearTimeout(timer.current);
      if (!inConflict.current && dirtyFields().length > 0) void saveNow();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return { base, draft, setDraft, save, saveNow, conflict, resolve, fieldErrors, notice, dirty: dirtyFields().length > 0 };
}
