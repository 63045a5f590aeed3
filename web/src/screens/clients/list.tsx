import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { unwrap } from '../../api/errors';
import type { Client } from '../../api/types';
import { canWrite, useMe } from '../../app/session';
import { Button } from '../../ui/button';
import { EmptyState } from '../../ui/feedback';
import { formatDate } from '../../ui/format';
import { PageHeader } from '../../ui/page';
import { DataTable, Pagination, type Column } from '../../ui/table';
import { useUrlState } from '../../ui/url-state';
import { ClientDialog } from './parts/client-form';
import { SearchBox, pageQuery } from './parts/list-tools';
import '../../styles/workspace.css';

const LIMIT = 25;

const columns: Column<Client>[] = [
  { key: 'name', header: 'Name', sort: 'name', render: (c) => <Link to={`/clients/${c.id}`} className="ws-strong">{c.name}</Link> },
  { key: 'contact', header: 'Contact', render: (c) => c.contact_name || c.contact_email ? <>{c.contact_name}{c.contact_name && c.contact_email ? <br /> : null}{c.contact_email && <span className="muted">{c.contact_email}</span>}</> : <span className="muted">—</span> },
  { key: 'projects', header: 'Projects', render: (c) => c.project_count, className: 'ws-num' },
  { key: 'created_at', header: 'Added', sort: 'created_at', render: (c) => formatDate(c.created_at), className: 'nowrap' },
  { key: 'updated_at', header: 'Changed', sort: 'updated_at', render: (c) => formatDate(c.updated_at), className: 'nowrap' },
];

export function Component() {
  const me = useMe();
  const navigate = useNavigate();
  const [state, update] = useUrlState({ search: '', sort: 'name', order: 'asc', page: '1' });
  const [creating, setCreating] = useState(false);
  const query = { ...pageQuery(state, LIMIT), sort: state.sort as 'name', search: state.search || undefined };
  const list = useQuery({
    queryKey: ['clients', 'list', query],
    queryFn: () => unwrap(api.GET('/clients', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const writable = canWrite(me, 'clients:write');
  return (
    <>
      <PageHeader title="Clients" description="The organisations you test for, with their contacts and projects."
        actions={writable && <Button variant="primary" icon="plus" onClick={() => setCreating(true)}>New client</Button>} />
      <div className="toolbar">
        <SearchBox value={state.search} onSearch={(search) => update({ search })} label="Search clients" placeholder="Search by name, contact or email" />
      </div>
      <DataTable caption="Clients" columns={columns} rows={list.data?.data} loading={list.isFetching} error={list.error} retry={() => void list.refetch()}
        sort={state.sort} order={state.order as 'asc' | 'desc'} onSort={(sort, order) => update({ sort, order })}
        onOpen={(c) => navigate(`/clients/${c.id}`)}
        empty={state.search
          ? <EmptyState title={`No client matches “${state.search}”`}>Try another name, or clear the search.</EmptyState>
          : <EmptyState title="No clients yet">{writable ? 'Add the first organisation you test for with New client.' : 'Clients your team adds appear here.'}</EmptyState>} />
      {list.data && <Pagination {...list.data.meta} onPage={(page) => update({ page: String(page) })} noun="clients" />}
      <ClientDialog open={creating} onClose={() => setCreating(false)} onSaved={(c) => { setCreating(false); navigate(`/clients/${c.id}`); }} />
    </>
  );
}
