import { useInfiniteQuery, useQuery, type UseQueryResult } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { ApiError, unwrap } from '../../api/errors';
import type { Body } from '../../api/types';
import { useMe } from '../../app/session';
import { SeverityBadge, StatusBadge } from '../../ui/badges';
import { Button } from '../../ui/button';
import { Banner, EmptyState, ErrorState, Spinner } from '../../ui/feedback';
import { formatDateTime, timeAgo } from '../../ui/format';
import { Card, PageHeader } from '../../ui/page';
import { ChangeList, type ChangeEntry } from './parts/activity';
import { BarChart, DonutChart } from './parts/charts';
import { OPEN_STATUSES, useFindingCounts } from './parts/counts';
import { ClientLink, dateRange, formatDay, useClients } from '../projects/parts/project-bits';
import '../../styles/workspace.css';

export function Component() {
  const me = useMe();
  const counts = useFindingCounts();
  const inProgress = useQuery({
    queryKey: ['projects', 'in-progress'],
    queryFn: () => unwrap(api.GET('/projects', { params: { query: { status: 'in_progress', sort: 'updated_at', order: 'desc', limit: 6 } } })),
  });
  const c = counts.data;
  const severe = c ? c.openBySeverity.filter((d) => d.label === 'Critical' || d.label === 'High').reduce((n, d) => n + d.value, 0) : undefined;
  const openQuery = new URLSearchParams({ status: OPEN_STATUSES.join(',') }).toString();

  return (
    <>
      <PageHeader title="Dashboard" description={`Welcome back, ${me.name}. Where your team's work stands now.`}
        actions={<Link className="btn btn-primary btn-md" to="/findings/new">New finding</Link>} />

      <div className="grid grid-4 ws-stats">
        <Stat label="Open findings" value={c?.open} to={`/findings?${openQuery}`} hint="Open or confirmed" />
        <Stat label="Critical and high" value={severe} to={`/findings?${openQuery}&severity=Critical,High`} hint="Open or confirmed" tone={severe ? 'danger' : undefined} />
        <Stat label="Projects in progress" value={inProgress.data?.meta.total} to="/projects?status=in_progress" />
        <Stat label="All findings" value={c?.total} to="/findings" hint="Every status" />
      </div>

      <div className="grid grid-2 ws-section">
        <Card title="Open findings by severity" actions={<Link to={`/findings?${openQuery}`} className="ws-card-link">View all</Link>}>
          {counts.error ? <ErrorState error={counts.error} retry={() => void counts.refetch()} />
            : !c ? <Spinner />
            : c.open === 0 ? <EmptyState title="No open findings">Findings reported as Open or Confirmed are counted here.</EmptyState>
            : <BarChart title="Open findings by severity" data={c.openBySeverity} />}
        </Card>
        <Card title="Findings by status">
          {counts.error ? <ErrorState error={counts.error} retry={() => void counts.refetch()} />
            : !c ? <Spinner />
            : c.total === 0 ? <EmptyState title="No findings yet">Findings of every project appear here by status.</EmptyState>
            : <DonutChart title="Findings by status" data={c.byStatus} />}
        </Card>
      </div>

      <div className="grid grid-2 ws-section">
        <div className="stack">
          <InProgress query={inProgress} />
          <RecentFindings />
        </div>
        <RecentActivity />
      </div>
    </>
  );
}

function Stat({ label, value, to, hint, tone }: { label: string; value?: number; to: string; hint?: string; tone?: 'danger' }) {
  return (
    <Link to={to} className={`card stat ws-stat ${tone ? `ws-stat-${tone}` : ''}`}>
      <span className="stat-label">{label}</span>
      <span className="stat-value">{value === undefined ? '…' : value.toLocaleString()}</span>
      {hint && <span className="ws-stat-hint">{hint}</span>}
    </Link>
  );
}

function InProgress({ query }: { query: UseQueryResult<Body<'listProjects'>> }) {
  const rows = query.data?.data;
  const clients = useClients(rows?.map((p) => p.client_id) ?? []);
  return (
    <Card title="Projects in progress" actions={<Link to="/projects?status=in_progress" className="ws-card-link">All projects</Link>}>
      {query.error ? <ErrorState error={query.error} retry={() => void query.refetch()} />
        : !rows ? <Spinner />
        : rows.length === 0 ? <EmptyState title="No project in progress">Set a project's status to In progress to see it here.</EmptyState>
        : (
          <ul className="ws-list">
            {rows.map((p) => (
              <li key={p.id}>
                <div className="ws-list-main">
                  <Link to={`/projects/${p.id}`} className="ws-list-title">{p.name}</Link>
                  <span className="muted ws-list-sub"><ClientLink id={p.client_id} clients={clients} /> · {dateRange(p.start_date, p.end_date, formatDay)}</span>
                </div>
                <span className="ws-count" title="Findings">{p.finding_count} {p.finding_count === 1 ? 'finding' : 'findings'}</span>
              </li>
            ))}
          </ul>
        )}
    </Card>
  );
}

function RecentFindings() {
  const q = useQuery({
    queryKey: ['findings', 'recent'],
    queryFn: () => unwrap(api.GET('/findings', { params: { query: { sort: 'updated_at', order: 'desc', limit: 8 } } })),
  });
  const rows = q.data?.data;
  return (
    <Card title="Recently changed findings" actions={<Link to="/findings?sort=updated_at" className="ws-card-link">All findings</Link>}>
      {q.error ? <ErrorState error={q.error} retry={() => void q.refetch()} />
        : !rows ? <Spinner />
        : rows.length === 0 ? <EmptyState title="No findings yet">Create one in a project, or import them through the API.</EmptyState>
        : (
          <ul className="ws-list">
            {rows.map((f) => (
              <li key={f.id}>
                <SeverityBadge severity={f.severity} />
                <div className="ws-list-main">
                  <Link to={`/findings/${f.id}`} className="ws-list-title">{f.title}</Link>
                  <time className="muted ws-list-sub" dateTime={f.updated_at} title={formatDateTime(f.updated_at)}>Changed {timeAgo(f.updated_at)}</time>
                </div>
                <StatusBadge status={f.status} />
              </li>
            ))}
          </ul>
        )}
    </Card>
  );
}

function RecentActivity() {
  const q = useInfiniteQuery({
    queryKey: ['history', 'activity'],
    queryFn: ({ pageParam }) => unwrap(api.GET('/activity', { params: { query: { page: pageParam, limit: 10 } } })),
    initialPageParam: 1,
    getNextPageParam: (last) => (last.meta.page < last.meta.pages ? last.meta.page + 1 : undefined),
  });
  const entries = q.data?.pages.flatMap((p) => p.data) as ChangeEntry[] | undefined;
  const denied = q.error instanceof ApiError && q.error.status === 403;
  return (
    <Card title="Recent activity">
      {denied ? <Banner>Your access does not include the team's change history.</Banner>
        : q.error ? <ErrorState error={q.error} retry={() => void q.refetch()} />
        : !entries ? <Spinner />
        : entries.length === 0 ? <EmptyState title="Nothing has happened yet">Changes to clients, projects, assets and findings appear here as your team works.</EmptyState>
        : (
          <>
            <ChangeList entries={entries} />
            {q.hasNextPage && (
              <div className="ws-more">
                <Button size="sm" busy={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>Show earlier activity</Button>
              </div>
            )}
          </>
        )}
    </Card>
  );
}
