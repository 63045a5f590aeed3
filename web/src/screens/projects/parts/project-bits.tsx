import { useQueries, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../../api/client';
import { unwrap } from '../../../api/errors';
import type { Client } from '../../../api/types';

export const PROJECT_STATUSES = ['planned', 'in_progress', 'completed', 'archived'] as const;
export const PROJECT_STATUS_LABEL: Record<string, string> = { planned: 'Planned', in_progress: 'In progress', completed: 'Completed', archived: 'Archived' };

export function ProjectStatus({ status }: { status: string }) {
  return <span className={`badge ws-pstatus ws-pstatus-${status}`}>{PROJECT_STATUS_LABEL[status] ?? status}</span>;
}

/** The project, shared by its layout and tabs (one cache entry). */
export function useProject(id: string) {
  return useQuery({
    queryKey: ['projects', id],
    queryFn: async () => (await unwrap(api.GET('/projects/{id}', { params: { path: { id } } }))).data,
    enabled: id !== '',
  });
}

/** The clients named by id, each fetched once and cached: for the client column of project lists. */
export function useClients(ids: (string | null | undefined)[]): Map<string, Client> {
  const unique = [...new Set(ids.filter((id): id is string => !!id))];
  const results = useQueries({
    queries: unique.map((id) => ({
      queryKey: ['clients', id],
      queryFn: async () => (await unwrap(api.GET('/clients/{id}', { params: { path: { id } } }))).data,
      staleTime: 60_000,
    })),
  });
  const map = new Map<string, Client>();
  results.forEach((r) => { if (r.data) map.set(r.data.id, r.data); });
  return map;
}

export function ClientLink({ id, clients }: { id: string | null | undefined; clients: Map<string, Client> }) {
  if (!id) return <span className="muted">No client</span>;
  const c = clients.get(id);
  return <Link to={`/clients/${id}`}>{c?.name ?? '…'}</Link>;
}

/** "12 Mar 2025 – 28 Mar 2025", or what is known of it. */
export function dateRange(start?: string | null, end?: string | null, fmt: (d: string) => string = (d) => d): string {
  if (start && end) return `${fmt(start)} – ${fmt(end)}`;
  if (start) return `From ${fmt(start)}`;
  if (end) return `Until ${fmt(end)}`;
  return 'No dates';
}

const dayFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
/** A date without a time (2025-03-12) in the reader's calendar, never shifted by their time zone. */
export function formatDay(day?: string | null): string {
  if (!day) return '—';
  const [y, m, d] = day.slice(0, 10).split('-').map(Number) as [number, number, number];
  return dayFmt.format(new Date(y, m - 1, d));
}
