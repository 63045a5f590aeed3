import { useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client';
import { unwrap } from '../../../api/errors';
import { FINDING_STATUSES, SEVERITIES } from '../../../ui/badges';
import type { Datum } from './charts';

/** Findings still to be dealt with: reported or confirmed, not yet fixed or accepted. */
export const OPEN_STATUSES = ['Open', 'Confirmed'];

export const SEVERITY_COLOR: Record<string, string> = {
  Critical: 'var(--chart-critical)', High: 'var(--chart-high)', Medium: 'var(--chart-medium)', Low: 'var(--chart-low)', Info: 'var(--chart-info)',
};
export const STATUS_COLOR: Record<string, string> = {
  Open: 'var(--accent)', Confirmed: 'var(--chart-high)', Remediated: 'var(--chart-low)',
  Verified: 'var(--success)', 'Accepted Risk': 'var(--chart-medium)', 'False Positive': 'var(--chart-info)',
};

export interface FindingCounts {
  /** Open findings (Open or Confirmed) by severity, in rank order. */
  openBySeverity: Datum[];
  byStatus: Datum[];
  open: number;
  total: number;
}

const findingsUrl = (q: Record<string, string>) => `/findings?${new URLSearchParams(q)}`;

/**
 * The counts of a chart: each is a list call with `limit=1` whose `meta.total` the server answers
 * from its counter table, all in parallel. The key starts with 'findings' so that any change to a
 * finding (live event) counts again.
 */
export function useFindingCounts(projectId?: string) {
  return useQuery({
    queryKey: ['findings', 'counts', projectId ?? 'all'],
    queryFn: async (): Promise<FindingCounts> => {
      const scope: Record<string, string> = projectId ? { project_id: projectId } : {};
      const count = async (q: { severity?: string; status?: string }) =>
        (await unwrap(api.GET('/findings', { params: { query: { ...scope, ...q, limit: 1 } } }))).meta.total;
      const open = OPEN_STATUSES.join(',');
      const [sev, stat] = await Promise.all([
        Promise.all(SEVERITIES.map((severity) => count({ severity, status: open }))),
        Promise.all(FINDING_STATUSES.map((status) => count({ status }))),
      ]);
      return {
        openBySeverity: SEVERITIES.map((s, i) => ({ label: s, value: sev[i]!, color: SEVERITY_COLOR[s]!, to: findingsUrl({ ...scope, severity: s, status: open }) })),
        byStatus: FINDING_STATUSES.map((s, i) => ({ label: s, value: stat[i]!, color: STATUS_COLOR[s]!, to: findingsUrl({ ...scope, status: s }) })),
        open: sev.reduce((a, b) => a + b, 0),
        total: stat.reduce((a, b) => a + b, 0),
      };
    },
  });
}
