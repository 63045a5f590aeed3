import type { ReactNode } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../../api/client';
import { describeError, unwrap } from '../../../api/errors';
import type { Project, Report } from '../../../api/types';
import { Button } from '../../../ui/button';
import { useConfirm } from '../../../ui/dialog';
import { ProgressBar } from '../../../ui/feedback';
import { Icon } from '../../../ui/icons';
import { formatBytes, formatDateTime, timeAgo } from '../../../ui/format';
import { DataTable, type Column } from '../../../ui/table';
import { useToast } from '../../../ui/toast';
import { FORMAT_LABEL, ReportStatus, ShaCopy, useRetryReport } from './report-bits';

/** Where a report stands: progress while it renders, the error when it failed. */
function Progress({ r }: { r: Report }) {
  if (r.status === 'queued' || r.status === 'running') {
    return (
      <div className="ws-progress">
        <ReportStatus status={r.status} />
        <ProgressBar value={r.progress} label={`Progress of ${r.title} ${r.version}`} />
        <span className="ws-progress-value">{r.progress}%</span>
      </div>
    );
  }
  if (r.status === 'failed') {
    return (
      <div className="ws-failed">
        <ReportStatus status="failed" />
        {r.error && <span className="ws-error-text">{r.error}</span>}
      </div>
    );
  }
  return <ReportStatus status={r.status} />;
}

/** Reports, each with its state, and Download / Retry / Delete. */
export function ReportTable({ rows, projects, writable, loading, error, retry, empty, caption }: {
  rows: Report[] | undefined;
  /** Given on the all-reports list: the project column. */
  projects?: Map<string, Project>;
  writable: boolean;
  loading?: boolean;
  error?: unknown;
  retry?: () => void;
  empty: ReactNode;
  caption: string;
}) {
  const confirm = useConfirm();
  const toast = useToast();
  const qc = useQueryClient();
  const again = useRetryReport();
  const remove = useMutation({
    mutationFn: (r: Report) => unwrap(api.DELETE('/reports/{id}', { params: { path: { id: r.id } } })),
    onSuccess: (_x, r) => {
      void qc.invalidateQueries({ queryKey: ['reports'] });
      toast(`${r.title} ${r.version} (${FORMAT_LABEL[r.format]}) deleted`);
    },
    onError: (err) => toast(describeError(err), 'error'),
  });
  const askDelete = async (r: Report) => {
    if (await confirm({ title: `Delete ${r.title} ${r.version}?`, danger: true, confirmLabel: 'Delete report', body: <p>The {FORMAT_LABEL[r.format]} file is deleted for everyone. This cannot be undone.</p> })) remove.mutate(r);
  };
  const columns: Column<Report>[] = [
    {
      key: 'title', header: 'Report', render: (r) => (
        <div className="ws-report-title">
          <span className="ws-strong">{r.title}</span>
          <span className="muted ws-report-sub"><span className="badge">{FORMAT_LABEL[r.format] ?? r.format}</span> Version {r.version}{r.template_name ? ` · ${r.template_name}` : ''}</span>
        </div>
      ),
    },
    ...(projects ? [{ key: 'project', header: 'Project', render: (r: Report) => <Link to={`/projects/${r.project_id}/reports`}>{projects.get(r.project_id)?.name ?? '…'}</Link>, className: 'ws-col-project' }] : []),
    { key: 'status', header: 'Status', render: (r) => <Progress r={r} />, className: 'ws-col-status' },
    {
      key: 'file', header: 'File · SHA-256', className: 'nowrap', render: (r) => r.size === null ? <span className="muted">—</span> : (
        <div className="ws-report-title">
          <span>{formatBytes(r.size)}</span>
          <span className="muted ws-sha-line"><ShaCopy sha={r.sha256} /></span>
        </div>
      ),
    },
    { key: 'by', header: 'Created', render: (r) => (
      <div className="ws-report-title">
        <span>{r.created_by.name ?? (r.created_by.type === 'system' ? 'NEURO' : 'Service account')}</span>
        <time className="muted" dateTime={r.created_at} title={formatDateTime(r.created_at)}>{timeAgo(r.created_at)}</time>
      </div>
    ), className: 'ws-col-by' },
    {
      key: 'actions', header: 'Actions', className: 'ws-actions', render: (r) => (
        <span className="row ws-nowrap-row">
          {r.status === 'completed' && (
            <a className="btn btn-secondary btn-sm" href={`/api/v1/reports/${r.id}/download`} download={r.filename ?? undefined}
              aria-label={`Download ${r.filename ?? `${r.title} ${r.version}`}`}>
              <Icon name="download" size={16} /> Download
            </a>
          )}
          {r.status === 'failed' && writable && (
            <Button size="sm" busy={again.isPending && again.variables?.id === r.id} onClick={() => again.mutate(r)}>Retry</Button>
          )}
          {writable && <Button size="sm" variant="ghost" aria-label={`Delete ${r.title} ${r.version} (${FORMAT_LABEL[r.format]})`} onClick={() => void askDelete(r)}>Delete</Button>}
        </span>
      ),
    },
  ];
  return <div className="ws-report-table"><DataTable caption={caption} columns={columns} rows={rows} loading={loading} error={error} retry={retry} empty={empty} /></div>;
}
