import { useEffect, useMemo, useRef, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { api } from '../../../api/client';
import { unwrap } from '../../../api/errors';
import { queryClient } from '../../../api/query';
import type { Finding, Query } from '../../../api/types';
import { canWrite, useMe } from '../../../app/session';
import { FINDING_STATUSES, SEVERITIES, SeverityBadge, StatusBadge } from '../../../ui/badges';
import { Button } from '../../../ui/button';
import { EmptyState } from '../../../ui/feedback';
import { formatDateTime, timeAgo } from '../../../ui/format';
import { Icon } from '../../../ui/icons';
import { PageHeader } from '../../../ui/page';
import { DataTable, Pagination, type Column } from '../../../ui/table';
import { toQuery, useUrlState } from '../../../ui/url-state';
import { BulkStatus } from './bulk-status';
import { ToggleGroup } from './toggle-group';
import '../../../styles/findings.css';

const DEFAULTS = {
  severity: '', status: '', project_id: '', created_after: '', created_before: '', search: '',
  sort: 'updated_at', order: 'desc', page: '1', limit: '50',
};
const LIMITS = ['25', '50', '100'];

/** The API query of a list URL; the same for the screen and for its route's prefetch. */
function listQuery(state: typeof DEFAULTS, projectId?: string) {
  return toQuery({ ...state, project_id: projectId ?? state.project_id }) as Query<'listFindings'>;
}
const listOptions = (query: Query<'listFindings'>) => ({
  queryKey: ['findings', 'list', query],
  queryFn: () => unwrap(api.GET('/findings', { params: { query } })),
});

/**
 * The route's loader: starts the list's request while the app is still loading the signed-in
 * user and the screen's code, instead of after both (it does not wait for the answer).
 */
export function prefetchFindings(url: string, projectId?: string) {
  const params = new URL(url).searchParams;
  const state = { ...DEFAULTS };
  for (const k of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) state[k] = params.get(k) ?? DEFAULTS[k];
  void queryClient.prefetchQuery({ ...listOptions(listQuery(state, projectId)), staleTime: 5_000 });
  return null;
}

/** Keys typed into a field are the field's; the list's shortcuts are for the rest of the page. */
function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

/**
 * The findings list, at /findings and in a project's Findings tab (`projectId` fixed there):
 * filters, sort and page in the URL, bulk status change, and the keyboard — `/` to search, `n`
 * for a new finding, ↑/↓ or j/k between rows, Enter to open, Space to select.
 */
export function FindingsList({ projectId }: { projectId?: string }) {
  const me = useMe();
  const navigate = useNavigate();
  const [state, update] = useUrlState(DEFAULTS);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const searchRef = useRef<HTMLInputElement>(null);
  const writable = canWrite(me, 'findings:write');
  const project = projectId ?? state.project_id;

  // The search box updates the URL 300 ms after typing stops; the URL (back, a shared link) wins.
  const [search, setSearch] = useState(state.search);
  const lastSent = useRef(state.search);
  useEffect(() => {
    if (state.search !== lastSent.current) {
      lastSent.current = state.search;
      setSearch(state.search);
    }
  }, [state.search]);
  useEffect(() => {
    if (search === lastSent.current) return;
    const t = setTimeout(() => {
      lastSent.current = search;
      update({ search });
    }, 300);
    return () => clearTimeout(t);
  }, [search, update]);

  const query = useMemo(() => listQuery(state, projectId), [state, projectId]);
  const findings = useQuery({ ...listOptions(query), placeholderData: keepPreviousData });
  const projects = useQuery({
    queryKey: ['projects', 'picker'],
    queryFn: async () => (await unwrap(api.GET('/projects', { params: { query: { limit: 100, sort: 'updated_at', order: 'desc' } } }))).data,
    enabled: !projectId,
    staleTime: 60_000,
  });
  const projectName = useMemo(() => new Map((projects.data ?? []).map((p) => [p.id, p.name])), [projects.data]);

  const newHref = `/findings/new${project ? `?project_id=${encodeURIComponent(project)}` : ''}`;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || document.querySelector('dialog[open]')) return;
      if (e.key === '/') {
        e.preventDefault();
        searchRef.current?.focus();
      } else if (e.key === 'n' && writable) {
        e.preventDefault();
        navigate(newHref);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [navigate, newHref, writable]);

  // A selection belongs to the rows it was made on.
  const rowsKey = (findings.data?.data ?? []).map((f) => f.id).join(',');
  useEffect(() => {
    setSelected((s) => {
      const visible = new Set(rowsKey.split(','));
      const kept = new Set([...s].filter((id) => visible.has(id)));
      return kept.size === s.size ? s : kept;
    });
  }, [rowsKey]);

  const columns: Column<Finding>[] = [
    {
      key: 'title', header: 'Title', sort: 'title', className: 'fl-col-title',
      render: (f) => <Link to={`/findings/${f.id}`} className="fl-title-link">{f.title}</Link>,
    },
    { key: 'severity', header: 'Severity', sort: 'severity', render: (f) => <SeverityBadge severity={f.severity} /> },
    {
      key: 'cvss', header: 'CVSS', sort: 'cvss_score', className: 'fl-col-num',
      render: (f) => (f.cvss_score === null ? <span className="muted">—</span> : <span className="mono" title={f.cvss_vector ?? undefined}>{f.cvss_score.toFixed(1)}</span>),
    },
    { key: 'status', header: 'Status', sort: 'status', render: (f) => <StatusBadge status={f.status} /> },
    ...(projectId ? [] : [{
      key: 'project', header: 'Project',
      render: (f: Finding) => <Link to={`/projects/${f.project_id}/findings`} className="fl-project-link">{projectName.get(f.project_id) ?? 'Project'}</Link>,
    }]),
    {
      key: 'updated', header: 'Updated', sort: 'updated_at', className: 'nowrap',
      render: (f) => <time dateTime={f.updated_at} title={formatDateTime(f.updated_at)}>{timeAgo(f.updated_at)}</time>,
    },
  ];

  const filtered = !!(state.severity || state.status || state.search || state.created_after || state.created_before || (!projectId && state.project_id));
  const meta = findings.data?.meta;
  const heading = (
    <PageHeader
      title="Findings"
      description={projectId ? undefined : 'Every finding across your projects. Press / to search, n for a new finding.'}
      actions={writable && <Link to={newHref} className="btn btn-primary btn-md" aria-keyshortcuts="n"><Icon name="plus" size={16} /> New finding</Link>}
    />
  );

  return (
    <div className="fl">
      {projectId ? (
        <div className="fl-embedded-head">
          <h2>Findings</h2>
          <span className="muted fl-shortcuts">Press <kbd>/</kbd> to search, <kbd>n</kbd> for a new finding</span>
          {writable && <Link to={newHref} className="btn btn-primary btn-sm" aria-keyshortcuts="n"><Icon name="plus" size={16} /> New finding</Link>}
        </div>
      ) : heading}

      <search className="fl-filters" aria-label="Filter findings">
        <div className="fl-filters-row">
          <div className="fl-search">
            <Icon name="search" size={16} className="fl-search-icon" />
            <input ref={searchRef} type="search" aria-label="Search findings" placeholder="Search title, description, impact, remediation…"
              value={search} onChange={(e) => setSearch(e.target.value)} aria-keyshortcuts="/" />
          </div>
          {!projectId && (
            <div className="fl-field">
              <label htmlFor="fl-project">Project</label>
              <select id="fl-project" value={state.project_id} onChange={(e) => update({ project_id: e.target.value })}>
                <option value="">All projects</option>
                {state.project_id && !projectName.has(state.project_id) && <option value={state.project_id}>This project</option>}
                {(projects.data ?? []).map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
              </select>
            </div>
          )}
          <div className="fl-field">
            <label htmlFor="fl-after">Created after</label>
            <input id="fl-after" type="date" value={state.created_after} onChange={(e) => update({ created_after: e.target.value })} />
          </div>
          <div className="fl-field">
            <label htmlFor="fl-before">Created before</label>
            <input id="fl-before" type="date" value={state.created_before} onChange={(e) => update({ created_before: e.target.value })} />
          </div>
        </div>
        <div className="fl-filters-row">
          <ToggleGroup label="Severity" options={SEVERITIES} value={state.severity} onChange={(severity) => update({ severity })}
            render={(s) => <><span className={`fl-dot sev-dot-${s.toLowerCase()}`} aria-hidden="true" />{s}</>} />
          <ToggleGroup label="Status" options={FINDING_STATUSES} value={state.status} onChange={(status) => update({ status })} />
          {filtered && (
            <Button variant="ghost" size="sm" icon="close" className="fl-clear"
              onClick={() => { setSearch(''); lastSent.current = ''; update({ severity: '', status: '', search: '', created_after: '', created_before: '', project_id: '' }); }}>
              Clear filters
            </Button>
          )}
        </div>
      </search>

      {writable && <BulkStatus selected={selected} rows={findings.data?.data ?? []} onDone={setSelected} />}

      <DataTable
        columns={columns}
        rows={findings.data?.data}
        caption={meta ? `Findings, ${meta.total} in all, sorted by ${state.sort} ${state.order === 'asc' ? 'ascending' : 'descending'}` : 'Findings'}
        sort={state.sort}
        order={state.order as 'asc' | 'desc'}
        onSort={(sort, order) => update({ sort, order })}
        onOpen={(f) => navigate(`/findings/${f.id}`)}
        selection={writable ? { ids: selected, onChange: setSelected } : undefined}
        loading={findings.isFetching && findings.isPlaceholderData}
        error={findings.error}
        retry={() => void findings.refetch()}
        empty={filtered
          ? <EmptyState title="No findings match these filters">Change or clear the filters to see more.</EmptyState>
          : <EmptyState title="No findings yet">{writable ? <>Record the first one with <Link to={newHref}>New finding</Link> (or press <kbd>n</kbd>).</> : 'Findings your team records appear here.'}</EmptyState>}
      />
      {meta && (
        <div className="fl-foot">
          <Pagination page={meta.page} pages={meta.pages} total={meta.total} limit={meta.limit} noun="findings" onPage={(page) => update({ page: String(page) })} />
          <div className="fl-field fl-limit">
            <label htmlFor="fl-limit">Per page</label>
            <select id="fl-limit" value={state.limit} onChange={(e) => update({ limit: e.target.value })}>
              {LIMITS.map((l) => <option key={l}>{l}</option>)}
            </select>
          </div>
        </div>
      )}
    </div>
  );
}
