import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { api } from '../../api/client';
import { unwrap } from '../../api/errors';
import type { Project } from '../../api/types';
import { canWrite, useMe } from '../../app/session';
import { Button } from '../../ui/button';
import { EmptyState } from '../../ui/feedback';
import { formatDate } from '../../ui/format';
import { PageHeader } from '../../ui/page';
import { DataTable, Pagination, type Column } from '../../ui/table';
import { useUrlState } from '../../ui/url-state';
import { SearchBox, pageQuery } from '../clients/parts/list-tools';
import { ClientLink, PROJECT_STATUSES, PROJECT_STATUS_LABEL, ProjectStatus, dateRange, formatDay, useClients } from './parts/project-bits';
import { ProjectDialog } from './parts/project-form';
import '../../styles/workspace.css';

const LIMIT = 25;

export function Component() {
  const me = useMe();
  const navigate = useNavigate();
  const [state, update] = useUrlState({ search: '', status: '', client_id: '', sort: 'updated_at', order: 'desc', page: '1' });
  const [creating, setCreating] = useState(false);
  const query = {
    ...pageQuery(state, LIMIT), sort: state.sort as 'name',
    search: state.search || undefined, status: state.status || undefined, client_id: state.client_id || undefined,
  };
  const list = useQuery({
    queryKey: ['projects', 'list', query],
    queryFn: () => unwrap(api.GET('/projects', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const clientOptions = useQuery({
    queryKey: ['clients', 'options', ''],
    queryFn: () => unwrap(api.GET('/clients', { params: { query: { sort: 'name', order: 'asc', limit: 100 } } })),
  });
  const clients = useClients(list.data?.data.map((p) => p.client_id) ?? []);
  const columns: Column<Project>[] = [
    { key: 'name', header: 'Project', sort: 'name', render: (p) => <Link to={`/projects/${p.id}`} className="ws-strong">{p.name}</Link> },
    { key: 'client', header: 'Client', render: (p) => <ClientLink id={p.client_id} clients={clients} /> },
    { key: 'status', header: 'Status', sort: 'status', render: (p) => <ProjectStatus status={p.status} /> },
    { key: 'dates', header: 'Dates', sort: 'start_date', render: (p) => dateRange(p.start_date, p.end_date, formatDay), className: 'nowrap' },
    { key: 'findings', header: 'Findings', render: (p) => p.finding_count, className: 'ws-num' },
    { key: 'updated_at', header: 'Changed', sort: 'updated_at', render: (p) => formatDate(p.updated_at), className: 'nowrap' },
  ];
  const filtered = !!(state.search || state.status || state.client_id);
  const writable = canWrite(me, 'projects:write');
  return (
    <>
      <PageHeader title="Projects" description="Engagements: their client, scope, dates, findings and reports."
        actions={writable && <Button variant="primary" icon="plus" onClick={() => setCreating(true)}>New project</Button>} />
      <div className="toolbar">
        <SearchBox value={state.search} onSearch={(search) => update({ search })} label="Search projects" placeholder="Search by name or description" />
        <div className="field">
          <label htmlFor="filter-status">Status</label>
          <select id="filter-status" value={state.status} onChange={(e) => update({ status: e.target.value })}>
            <option value="">Any status</option>
            {PROJECT_STATUSES.map((s) => <option key={s} value={s}>{PROJECT_STATUS_LABEL[s]}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-client">Client</label>
          <select id="filter-client" value={state.client_id} onChange={(e) => update({ client_id: e.target.value })}>
            <option value="">Any client</option>
            {(clientOptions.data?.data ?? []).map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </div>
        {filtered && <Button variant="ghost" onClick={() => update({ search: '', status: '', client_id: '' })}>Clear filters</Button>}
      </div>
      <DataTable caption="Projects" columns={columns} rows={list.data?.data} loading={list.isFetching} error={list.error} retry={() => void list.refetch()}
        sort={state.sort} order={state.order as 'asc' | 'desc'} onSort={(sort, order) => update({ sort, order })}
        onOpen={(p) => navigate(`/projects/${p.id}`)}
        empty={filtered
          ? <EmptyState title="No project matches these filters">Change or clear the filters to see more.</EmptyState>
          : <EmptyState title="No projects yet">{writable ? 'Start an engagement with New project.' : 'Projects your team creates appear here.'}</EmptyState>} />
      {list.data && <Pagination {...list.data.meta} onPage={(page) => update({ page: String(page) })} noun="projects" />}
      <ProjectDialog open={creating} onClose={() => setCreating(false)} onSaved={(p) => { setCreating(false); navigate(`/projects/${p.id}`); }} />
    </>
  );
}
