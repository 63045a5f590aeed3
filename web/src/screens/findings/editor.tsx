import { useCallback, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { ApiError, describeError, unwrap } from '../../api/errors';
import { useLiveEvent, type LiveEvent } from '../../api/live';
import { queryClient } from '../../api/query';
import type { Finding } from '../../api/types';
import { canWrite, useMe } from '../../app/session';
import { Button } from '../../ui/button';
import { useConfirm } from '../../ui/dialog';
import { Banner, ErrorState, Spinner } from '../../ui/feedback';
import { Field } from '../../ui/field';
import { PageHeader } from '../../ui/page';
import { useToast } from '../../ui/toast';
import { ConflictDialog } from './parts/conflict-dialog';
import { blankDraft, changedFields, FIELDS, toBody, type Draft } from './parts/draft';
import { EditorForm, useAssetsOf } from './parts/editor-form';
import { SaveIndicator } from './parts/save-state';
import { detailKey, useAutosave } from './parts/use-autosave';
import '../../styles/findings.css';

/**
 * The finding editor, at /findings/:findingId and /findings/new?project_id=…: its own chunk,
 * with CodeMirror and the CVSS calculator, loaded when first opened.
 */
export function Component() {
  const { findingId } = useParams();
  return findingId ? <ExistingFinding key={findingId} id={findingId} /> : <NewFinding />;
}

function useProject(projectId: string | undefined) {
  return useQuery({
    queryKey: ['projects', projectId],
    queryFn: async () => (await unwrap(api.GET('/projects/{id}', { params: { path: { id: projectId! } } }))).data,
    enabled: !!projectId,
  });
}

function Breadcrumb({ projectId }: { projectId?: string }) {
  const project = useProject(projectId);
  return (
    <>
      <Link to="/findings">Findings</Link>
      {projectId && <> / <Link to={`/projects/${projectId}/findings`}>{project.data?.name ?? 'Project'}</Link></>}
    </>
  );
}

function ExistingFinding({ id }: { id: string }) {
  const finding = useQuery({
    queryKey: detailKey(id),
    queryFn: () => unwrap(api.GET('/findings/{id}', { params: { path: { id } } })),
  });
  if (finding.error && !finding.data) {
    return (
      <>
        <PageHeader title="Finding" breadcrumb={<Breadcrumb />} />
        <ErrorState error={finding.error} retry={finding.error instanceof ApiError && finding.error.status === 404 ? undefined : () => void finding.refetch()} />
      </>
    );
  }
  if (!finding.data) return <Spinner label="Loading the finding…" />;
  return <Editor initial={finding.data.data} latest={finding.data.data} refetch={() => void finding.refetch()} gone={finding.error instanceof ApiError && finding.error.status === 404} />;
}

function Editor({ initial, latest, refetch, gone }: { initial: Finding; latest: Finding; refetch: () => void; gone: boolean }) {
  const me = useMe();
  const navigate = useNavigate();
  const confirm = useConfirm();
  const toast = useToast();
  const writable = canWrite(me, 'findings:write');
  const { draft, setDraft, save, saveNow, conflict, resolve, fieldErrors, notice } = useAutosave(initial, latest);
  const assets = useAssetsOf(initial.project_id);
  const [deleted, setDeleted] = useState(false);

  // Someone else's change to this finding: fetch it now (the stream refreshes the list queries too).
  useLiveEvent(useCallback((e: LiveEvent) => {
    if (e.objectType !== 'finding' || e.objectId !== initial.id || e.actorId === me.id) return;
    if (e.type === 'finding.deleted') setDeleted(true);
    else refetch();
  }, [initial.id, me.id, refetch]));

  const remove = async () => {
    if (!(await confirm({ title: 'Delete this finding?', body: `“${draft.title}” is removed from the project and its reports. This cannot be undone.`, confirmLabel: 'Delete finding', danger: true }))) return;
    try {
      await unwrap(api.DELETE('/findings/{id}', { params: { path: { id: initial.id } } }));
      queryClient.removeQueries({ queryKey: detailKey(initial.id) });
      void queryClient.invalidateQueries({ queryKey: ['findings'] });
      toast('Finding deleted');
      navigate(`/projects/${initial.project_id}/findings`);
    } catch (err) {
      toast(`Not deleted: ${describeError(err)}`, 'error');
    }
  };
  const assetName = (assetId: string) => assets.data?.find((a) => a.id === assetId)?.name ?? assetId;

  return (
    <div className="fe">
      <PageHeader
        title={draft.title.trim() || 'Untitled finding'}
        breadcrumb={<Breadcrumb projectId={initial.project_id} />}
        actions={
          <>
            {writable && <SaveIndicator state={save} onRetry={() => void saveNow()} />}
            {writable && <Button variant="ghost" icon="close" onClick={() => void remove()}>Delete</Button>}
          </>
        }
      />
      {!writable && <Banner kind="info">You can read this finding; changing it needs the findings:write scope.</Banner>}
      {(deleted || gone) && <Banner kind="warning">Someone else deleted this finding. What you see is not saved anywhere: copy what you need.</Banner>}
      {notice && <Banner kind="info">{notice}</Banner>}
      <EditorForm draft={draft} setDraft={setDraft} projectId={initial.project_id} errors={fieldErrors} readOnly={!writable}
        onBlur={() => void saveNow()} />
      {conflict && <ConflictDialog conflict={conflict} assetName={assetName} onResolve={resolve} />}
    </div>
  );
}

function NewFinding() {
  const me = useMe();
  const navigate = useNavigate();
  const toast = useToast();
  const [params] = useSearchParams();
  const [projectId, setProjectId] = useState(params.get('project_id') ?? '');
  const [draft, setDraftState] = useState<Draft>(blankDraft);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);
  const projects = useQuery({
    queryKey: ['projects', 'picker'],
    queryFn: async () => (await unwrap(api.GET('/projects', { params: { query: { limit: 100, sort: 'updated_at', order: 'desc' } } }))).data,
    staleTime: 60_000,
  });
  const setDraft = (patch: Partial<Draft>) => setDraftState((d) => ({ ...d, ...patch }));

  const create = async (e?: React.FormEvent) => {
    e?.preventDefault();
    const errs: Record<string, string> = {};
    if (!projectId) errs.project_id = 'Choose the project the finding belongs to.';
    if (!draft.title.trim()) errs.title = 'Give the finding a title.';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    setFailure(undefined);
    try {
      const fields = changedFields(blankDraft(), draft);
      const body = { project_id: projectId, ...toBody(draft, [...new Set([...fields, 'title', 'severity', 'status'] as typeof FIELDS)]) };
      const res = await unwrap(api.POST('/findings', { body: body as never }));
      queryClient.setQueryData(detailKey(res.data.id), res);
      void queryClient.invalidateQueries({ queryKey: ['findings'] });
      toast('Finding created');
      navigate(`/findings/${res.data.id}`, { replace: true });
    } catch (err) {
      setErrors(err instanceof ApiError ? err.fields : {});
      setFailure(`Not created: ${describeError(err)}`);
      setBusy(false);
    }
  };

  if (!canWrite(me, 'findings:write')) {
    return <><PageHeader title="New finding" breadcrumb={<Breadcrumb />} /><Banner kind="info">Recording findings needs the findings:write scope.</Banner></>;
  }
  return (
    <form className="fe" onSubmit={(e) => void create(e)} noValidate>
      <PageHeader
        title="New finding"
        breadcrumb={<Breadcrumb projectId={projectId || undefined} />}
        description="Fill in what you know; everything after the title and project can wait. Changes save automatically once it exists."
        actions={<Button type="submit" variant="primary" icon="check" busy={busy}>Create finding</Button>}
      />
      {failure && <Banner kind="error">{failure}</Banner>}
      <EditorForm draft={draft} setDraft={setDraft} projectId={projectId || undefined} errors={errors} onBlur={() => {}}
        projectField={
          <Field label="Project" error={errors.project_id}>
            <select value={projectId} onChange={(e) => { setProjectId(e.target.value); setDraft({ asset_ids: [] }); }} required>
              <option value="">Choose a project…</option>
              {projectId && !projects.data?.some((p) => p.id === projectId) && <option value={projectId}>This project</option>}
              {(projects.data ?? []).map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
            </select>
          </Field>
        } />
    </form>
  );
}
