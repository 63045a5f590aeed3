import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api } from '../../api/client';
import { unwrap } from '../../api/errors';
import { canWrite, useMe } from '../../app/session';
import { Button } from '../../ui/button';
import { EmptyState } from '../../ui/feedback';
import { Pagination } from '../../ui/table';
import { useToast } from '../../ui/toast';
import { useUrlState } from '../../ui/url-state';
import { GenerateReportDialog } from './parts/generate-form';
import { pollWhileRunning } from './parts/report-bits';
import { ReportTable } from './parts/report-table';
import '../../styles/workspace.css';

/** The project's Reports tab: generate one, watch it render, download it; every earlier version. */
export function Component() {
  const { projectId = '' } = useParams();
  const me = useMe();
  const toast = useToast();
  const [state, update] = useUrlState({ page: '1' });
  const [generating, setGenerating] = useState(false);
  const page = Number(state.page) || 1;
  const list = useQuery({
    queryKey: ['reports', 'of-project', projectId, page],
    queryFn: () => unwrap(api.GET('/projects/{id}/reports', { params: { path: { id: projectId }, query: { page, limit: 20 } } })),
    placeholderData: keepPreviousData,
    refetchInterval: pollWhileRunning,
  });
  const writable = canWrite(me, 'reports:write');
  return (
    <>
      <div className="ws-section-head">
        <h2>Reports</h2>
        {writable && <Button variant="primary" icon="plus" onClick={() => setGenerating(true)}>Generate report</Button>}
      </div>
      <ReportTable caption="Reports of the project" rows={list.data?.data} writable={writable} error={list.error} retry={() => void list.refetch()}
        empty={<EmptyState title="No reports yet">{writable ? 'Generate one as PDF, DOCX, HTML, Markdown, JSON or CSV; every version stays here.' : 'Reports of this project appear here.'}</EmptyState>} />
      {list.data && <Pagination {...list.data.meta} onPage={(p) => update({ page: String(p) })} noun="reports" />}
      {generating && <GenerateReportDialog open projectId={projectId} onClose={() => setGenerating(false)}
        onQueued={(r) => { setGenerating(false); update({ page: '1' }); toast(`${r.title} ${r.version} queued`); }} />}
    </>
  );
}
