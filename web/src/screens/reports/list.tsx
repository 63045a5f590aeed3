import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { unwrap } from '../../api/errors';
import { canWrite, useMe } from '../../app/session';
import { Button } from '../../ui/button';
import { EmptyState } from '../../ui/feedback';
import { PageHeader } from '../../ui/page';
import { Pagination } from '../../ui/table';
import { useToast } from '../../ui/toast';
import { useUrlState } from '../../ui/url-state';
import { GenerateReportDialog } from './parts/generate-form';
import { FORMAT_LABEL, REPORT_FORMATS, REPORT_STATUS_LABEL, pollWhileRunning, useProjectsById } from './parts/report-bits';
import { ReportTable } from './parts/report-table';
import '../../styles/workspace.css';

/** Every report of the tenant, newest first, filtered by project, status and format. */
export function Component() {
  const me = useMe();
  const toast = useToast();
  const [state, update] = useUrlState({ project_id: '', status: '', format: '', page: '1' });
  const [generating, setGenerating] = useState(false);
  const query = {
    page: Number(state.page) || 1, limit: 25,
    project_id: state.project_id || undefined, status: state.status || undefined, format: state.format || undefined,
  };
  const list = useQuery({
    queryKey: ['reports', 'list', query],
    queryFn: () => unwrap(api.GET('/reports', { params: { query } })),
    placeholderData: keepPreviousData,
    refetchInterval: pollWhileRunning,
  });
  const projectOptions = useQuery({
    queryKey: ['projects', 'options'],
    queryFn: () => unwrap(api.GET('/projects', { params: { query: { sort: 'updated_at', order: 'desc', limit: 100 } } })),
  });
  const projects = useProjectsById(list.data?.data.map((r) => r.project_id) ?? []);
  const writable = canWrite(me, 'reports:write');
  const filtered = !!(state.project_id || state.status || state.format);
  return (
    <>
      <PageHeader title="Reports" description="Every report your team generated, in every format and version."
        actions={writable && <Button variant="primary" icon="plus" onClick={() => setGenerating(true)}>Generate report</Button>} />
      <div className="toolbar">
        <div className="field">
          <label htmlFor="filter-project">Project</label>
          <select id="filter-project" value={state.project_id} onChange={(e) => update({ project_id: e.target.value })}>
            <option value="">Any project</option>
            {(projectOptions.data?.data ?? []).map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-rstatus">Status</label>
          <select id="filter-rstatus" value={state.status} onChange={(e) => update({ status: e.target.value })}>
            <option value="">Any status</option>
            {Object.entries(REPORT_STATUS_LABEL).map(([s, l]) => <option key={s} value={s}>{l}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-format">Format</label>
          <select id="filter-format" value={state.format} onChange={(e) => update({ format: e.target.value })}>
            <option value="">Any format</option>
            {REPORT_FORMATS.map((f) => <option key={f} value={f}>{FORMAT_LABEL[f]}</option>)}
          </select>
        </div>
        {filtered && <Button variant="ghost" onClick={() => update({ project_id: '', status: '', format: '' })}>Clear filters</Button>}
      </div>
      <ReportTable caption="Reports" rows={list.data?.data} projects={projects} writable={writable} loading={list.isFetching && !list.isRefetching}
        error={list.error} retry={() => void list.refetch()}
        empty={filtered
          ? <EmptyState title="No report matches these filters">Change or clear the filters.</EmptyState>
          : <EmptyState title="No reports yet">{writable ? 'Generate one from a project, or with Generate report.' : 'Reports your team generates appear here.'}</EmptyState>} />
      {list.data && <Pagination {...list.data.meta} onPage={(page) => update({ page: String(page) })} noun="reports" />}
      {generating && <GenerateReportDialog open onClose={() => setGenerating(false)}
        onQueued={(r) => { setGenerating(false); toast(`${r.title} ${r.version} queued`); }} />}
    </>
  );
}
