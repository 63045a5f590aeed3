import { useState } from 'react';
import { useMutation, useQueries, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../api/client';
import { describeError, unwrap } from '../../../api/errors';
import type { Body, Project, Report } from '../../../api/types';
import { Icon } from '../../../ui/icons';
import { useToast } from '../../../ui/toast';

export const REPORT_FORMATS = ['pdf', 'docx', 'html', 'markdown', 'json', 'csv'] as const;
export const FORMAT_LABEL: Record<string, string> = { pdf: 'PDF', docx: 'DOCX', html: 'HTML', markdown: 'Markdown', json: 'JSON', csv: 'CSV' };
/** Which format each template kind makes (the server's TEMPLATE_FORMAT). */
export const TEMPLATE_FORMAT: Record<string, string> = { docx: 'docx', typst: 'pdf', html: 'html', markdown: 'markdown' };
export const REPORT_STATUS_LABEL: Record<string, string> = { queued: 'Queued', running: 'Rendering', completed: 'Completed', failed: 'Failed' };

export const isFinished = (r: Pick<Report, 'status'>) => r.status === 'completed' || r.status === 'failed';

/** Poll every second while a listed report is queued or rendering (live events refresh it too). */
export const pollWhileRunning = (q: { state: { data?: Body<'listReports'> } }) =>
  q.state.data?.data.some((r) => !isFinished(r)) ? 1000 : false;

export function ReportStatus({ status }: { status: string }) {
  return <span className={`badge ws-rstatus ws-rstatus-${status}`}>{REPORT_STATUS_LABEL[status] ?? status}</span>;
}

/** The first 12 hex digits of the file's sha256, and a button copying all of it. */
export function ShaCopy({ sha }: { sha: string | null }) {
  const [copied, setCopied] = useState(false);
  if (!sha) return <span className="muted">—</span>;
  const copy = async () => {
    await navigator.clipboard.writeText(sha);
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };
  return (
    <span className="ws-sha">
      <code title={sha}>{sha.slice(0, 12)}…</code>
      <button type="button" className="icon-button ws-icon-sm" aria-label={copied ? 'SHA-256 copied' : 'Copy SHA-256'} onClick={() => void copy()}>
        <Icon name={copied ? 'check' : 'copy'} size={14} />
      </button>
    </span>
  );
}

/** Generate the same report again (a failed one): the server gives it the next version. */
export function useRetryReport() {
  const qc = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: async (r: Report) => (await unwrap(api.POST('/reports', {
      body: { project_id: r.project_id, format: r.format, template_id: r.template_id, title: r.title, classification: r.classification, include: r.include },
    }))).data,
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['reports'] });
      toast('Report queued again');
    },
    onError: (err) => toast(describeError(err), 'error'),
  });
}

/** Projects by id, each fetched once (the project column of the all-reports list). */
export function useProjectsById(ids: string[]): Map<string, Project> {
  const unique = [...new Set(ids)];
  const results = useQueries({
    queries: unique.map((id) => ({
      queryKey: ['projects', id],
      queryFn: async () => (await unwrap(api.GET('/projects/{id}', { params: { path: { id } } }))).data,
      staleTime: 60_000,
    })),
  });
  const map = new Map<string, Project>();
  results.forEach((r) => { if (r.data) map.set(r.data.id, r.data); });
  return map;
}
