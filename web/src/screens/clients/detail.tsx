import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import { describeError, unwrap } from '../../api/errors';
import type { Project } from '../../api/types';
import { canWrite, useMe } from '../../app/session';
import { Button } from '../../ui/button';
import { useConfirm } from '../../ui/dialog';
import { EmptyState, ErrorState, Spinner } from '../../ui/feedback';
import { formatDate } from '../../ui/format';
import { Card, PageHeader } from '../../ui/page';
import { DataTable, Pagination, type Column } from '../../ui/table';
import { useToast } from '../../ui/toast';
import { useUrlState } from '../../ui/url-state';
import { ProjectDialog } from '../projects/parts/project-form';
import { ProjectStatus, dateRange, formatDay } from '../projects/parts/project-bits';
import { ClientDialog } from './parts/client-form';
import { pageQuery } from './parts/list-tools';
import '../../styles/workspace.css';

const projectColumns: Column<Project>[] = [
  { key: 'name', header: 'Project', sort: 'name', render: (p) => <Link to={`/projects/${p.id}`} className="ws-strong">{p.name}</Link> },
  { key: 'status', header: 'Status', sort: 'status', render: (p) => <ProjectStatus status={p.status} /> },
  { key: 'dates', header: 'Dates', sort: 'start_date', render: (p) => dateRange(p.start_date, p.end_date, formatDay), className: 'nowrap' },
  { key: 'findings', header: 'Findings', render: (p) => p.finding_count, className: 'ws-num' },
];

export function Component() {
  const { clientId = '' } = useParams();
  const me = useMe();
  const navigate = useNavigate();
  const confirm = useConfirm();
  const toast = useToast();
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [newProject, setNewProject] = useState(false);
  const [state, update] = useUrlState({ sort: 'start_date', order: 'desc', page: '1' });
  const client = useQuery({
    queryKey: ['clients', clientId],
    queryFn: async () => (await unwrap(api.GET('/clients/{id}', { params: { path: { id: clientId } } }))).data,
  });
  const query = { ...pageQuery(state, 20), sort: state.sort as 'name' };
  const projects = useQuery({
    queryKey: ['projects', 'of-client', clientId, query],
    queryFn: () => unwrap(api.GET('/clients/{id}/projects', { params: { path: { id: clientId }, query } })),
    placeholderData: keepPreviousData,
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/clients/{id}', { params: { path: { id: clientId } } })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['clients'] });
      toast(`Client ${client.data?.name ?? ''} deleted`);
      navigate('/clients', { replace: true });
    },
    onError: (err) => toast(describeError(err), 'error'),
  });
  const writable = canWrite(me, 'clients:write');

  if (client.error) return <><PageHeader title="Client" breadcrumb={<Link to="/clients">Clients</Link>} /><ErrorState error={client.error} retry={() => void client.refetch()} /></>;
  if (!client.data) return <Spinner />;
  const c = client.data;
  const askDelete = async () => {
    // The server refuses to delete a client that still has projects (409): say so before asking.
    if (c.project_count > 0) {
      toast(`${c.name} still has ${c.project_count} ${c.project_count === 1 ? 'project' : 'projects'}: delete them or move them to another client first.`, 'error');
      return;
    }
    const ok = await confirm({
      title: `Delete ${c.name}?`, danger: true, confirmLabel: 'Delete client',
      body: <p>The client and its contact details are removed. This cannot be undone.</p>,
    });
    if (ok) remove.mutate();
  };

  return (
    <>
      <PageHeader title={c.name} breadcrumb={<Link to="/clients">Clients</Link>}
        description={`Added ${formatDate(c.created_at)} · ${c.project_count} ${c.project_count === 1 ? 'project' : 'projects'}`}
        actions={writable && (
          <>
            <Button onClick={() => setEditing(true)}>Edit</Button>
            <Button variant="danger" busy={remove.isPending} onClick={() => void askDelete()}>Delete</Button>
          </>
        )} />
      <div className="ws-detail">
        <Card title="Details" className="ws-detail-side">
          <dl className="ws-dl">
            <dt>Contact</dt><dd>{c.contact_name || <span className="muted">—</span>}</dd>
            <dt>Email</dt><dd>{c.contact_email ? <a href={`mailto:${c.contact_email}`}>{c.contact_email}</a> : <span className="muted">—</span>}</dd>
            <dt>Website</dt><dd>{c.website ? <a href={c.website} target="_blank" rel="noreferrer noopener">{c.website.replace(/^https?:\/\//, '')}</a> : <span className="muted">—</span>}</dd>
            <dt>Changed</dt><dd>{formatDate(c.updated_at)}</dd>
          </dl>
          {c.notes && <><h3 className="ws-subhead">Notes</h3><p className="ws-pre">{c.notes}</p></>}
        </Card>
        <section className="ws-detail-main" aria-labelledby="client-projects">
          <div className="ws-section-head">
            <h2 id="client-projects">Projects</h2>
            {canWrite(me, 'projects:write') && <Button size="sm" icon="plus" onClick={() => setNewProject(true)}>New project</Button>}
          </div>
          <DataTable caption={`Projects of ${c.name}`} columns={projectColumns} rows={projects.data?.data} loading={projects.isFetching}
            error={projects.error} retry={() => void projects.refetch()} sort={state.sort} order={state.order as 'asc' | 'desc'}
            onSort={(sort, order) => update({ sort, order })} onOpen={(p) => navigate(`/projects/${p.id}`)}
            empty={<EmptyState title="No projects yet">Projects for {c.name} appear here.</EmptyState>} />
          {projects.data && <Pagination {...projects.data.meta} onPage={(page) => update({ page: String(page) })} noun="projects" />}
        </section>
      </div>
      {editing && <ClientDialog open client={c} onClose={() => setEditing(false)} onSaved={() => { setEditing(false); toast('Client saved'); }} />}
      {newProject && <ProjectDialog open clientId={c.id} onClose={() => setNewProject(false)} onSaved={(p) => navigate(`/projects/${p.id}`)} />}
    </>
  );
}
