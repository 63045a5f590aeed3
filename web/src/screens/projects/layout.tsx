import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import { describeError, unwrap } from '../../api/errors';
import { canWrite, useMe } from '../../app/session';
import { Button } from '../../ui/button';
import { useConfirm } from '../../ui/dialog';
import { ErrorState, Spinner } from '../../ui/feedback';
import { PageHeader, TabLinks } from '../../ui/page';
import { useToast } from '../../ui/toast';
import { ClientLink, ProjectStatus, dateRange, formatDay, useClients, useProject } from './parts/project-bits';
import { ProjectDialog } from './parts/project-form';
import '../../styles/workspace.css';

/** A project: its header (name, client, status, dates, actions) and tabs, each tab a child route. */
export function Component() {
  const { projectId = '' } = useParams();
  const me = useMe();
  const navigate = useNavigate();
  const confirm = useConfirm();
  const toast = useToast();
  const qc = useQueryClient();
  const project = useProject(projectId);
  const clients = useClients([project.data?.client_id]);
  const [editing, setEditing] = useState(false);
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/projects/{id}', { params: { path: { id: projectId } } })),
    onSuccess: () => {
      qc.removeQueries({ queryKey: ['projects', projectId] });
      void qc.invalidateQueries({ queryKey: ['projects'] });
      toast(`Project ${project.data?.name ?? ''} deleted`);
      navigate('/projects', { replace: true });
    },
    onError: (err) => toast(describeError(err), 'error'),
  });

  if (project.error) return <><PageHeader title="Project" breadcrumb={<Link to="/projects">Projects</Link>} /><ErrorState error={project.error} retry={() => void project.refetch()} /></>;
  if (!project.data) return <Spinner />;
  const p = project.data;
  const askDelete = async () => {
    const ok = await confirm({
      title: `Delete ${p.name}?`, danger: true, confirmLabel: 'Delete project',
      body: <p>The project is deleted with its {p.finding_count} {p.finding_count === 1 ? 'finding' : 'findings'}, its assets and its reports. This cannot be undone.</p>,
    });
    if (ok) remove.mutate();
  };
  const base = `/projects/${p.id}`;
  return (
    <>
      <PageHeader title={p.name} breadcrumb={<Link to="/projects">Projects</Link>}
        description={
          <span className="ws-meta">
            <ProjectStatus status={p.status} />
            <span><ClientLink id={p.client_id} clients={clients} /></span>
            <span>{dateRange(p.start_date, p.end_date, formatDay)}</span>
          </span>
        }
        actions={canWrite(me, 'projects:write') && (
          <>
            <Button onClick={() => setEditing(true)}>Edit</Button>
            <Button variant="danger" busy={remove.isPending} onClick={() => void askDelete()}>Delete</Button>
          </>
        )} />
      <TabLinks label="Project" tabs={[
        { to: base, label: 'Overview', end: true },
        { to: `${base}/findings`, label: `Findings (${p.finding_count})` },
        { to: `${base}/assets`, label: 'Assets' },
        { to: `${base}/reports`, label: 'Reports' },
        { to: `${base}/history`, label: 'History' },
      ]} />
      <Outlet />
      {editing && <ProjectDialog open project={p} onClose={() => setEditing(false)} onSaved={() => { setEditing(false); toast('Project saved'); }} />}
    </>
  );
}
