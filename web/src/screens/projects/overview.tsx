import { Link, useParams } from 'react-router';
import { canWrite, useMe } from '../../app/session';
import { EmptyState, ErrorState, Spinner } from '../../ui/feedback';
import { formatDateTime } from '../../ui/format';
import { Card } from '../../ui/page';
import { BarChart, DonutChart } from '../dashboard/parts/charts';
import { OPEN_STATUSES, useFindingCounts } from '../dashboard/parts/counts';
import { formatDay, useProject } from './parts/project-bits';

/** The project's overview: its findings by severity and status, and what the engagement is. */
export function Component() {
  const { projectId = '' } = useParams();
  const me = useMe();
  const project = useProject(projectId);
  const counts = useFindingCounts(projectId);
  const p = project.data;
  if (!p) return null;
  const c = counts.data;
  const open = new URLSearchParams({ project_id: p.id, status: OPEN_STATUSES.join(',') }).toString();
  return (
    <div className="ws-overview">
      <div className="grid grid-2">
        <Card title="Open findings by severity" actions={<Link to={`/findings?${open}`} className="ws-card-link">View open findings</Link>}>
          {counts.error ? <ErrorState error={counts.error} retry={() => void counts.refetch()} />
            : !c ? <Spinner />
            : c.open === 0 ? (
              <EmptyState title="No open findings">
                {canWrite(me, 'findings:write') ? <Link to={`/findings/new?project_id=${p.id}`}>Add the first finding</Link> : 'Open or confirmed findings are counted here.'}
              </EmptyState>
            )
            : <BarChart title="Open findings by severity" data={c.openBySeverity} />}
        </Card>
        <Card title="Findings by status">
          {counts.error ? <ErrorState error={counts.error} retry={() => void counts.refetch()} />
            : !c ? <Spinner />
            : c.total === 0 ? <EmptyState title="No findings yet">Findings of this project appear here by status.</EmptyState>
            : <DonutChart title="Findings by status" data={c.byStatus} />}
        </Card>
      </div>
      <div className="ws-detail ws-section">
        <div className="ws-detail-main stack">
          <Card title="Description">
            {p.description ? <p className="ws-pre">{p.description}</p> : <p className="muted">No description yet.</p>}
          </Card>
          <Card title="Scope">
            {p.scope ? <p className="ws-pre">{p.scope}</p> : <p className="muted">No scope written down yet: list the hosts, ranges and applications you may test.</p>}
          </Card>
        </div>
        <Card title="Details" className="ws-detail-side">
          <dl className="ws-dl">
            <dt>Start</dt><dd>{formatDay(p.start_date)}</dd>
            <dt>End</dt><dd>{formatDay(p.end_date)}</dd>
            <dt>Findings</dt><dd>{p.finding_count}</dd>
            <dt>Tags</dt><dd>{p.tags.length > 0 ? <span className="row">{p.tags.map((t) => <span key={t} className="badge">{t}</span>)}</span> : <span className="muted">—</span>}</dd>
            <dt>Created</dt><dd>{formatDateTime(p.created_at)}</dd>
            <dt>Changed</dt><dd>{formatDateTime(p.updated_at)}</dd>
          </dl>
        </Card>
      </div>
    </div>
  );
}
