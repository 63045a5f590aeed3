import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import { describeError, unwrap } from '../../api/errors';
import type { Asset } from '../../api/types';
import { canWrite, useMe } from '../../app/session';
import { Button } from '../../ui/button';
import { useConfirm } from '../../ui/dialog';
import { EmptyState } from '../../ui/feedback';
import { formatDate } from '../../ui/format';
import { DataTable, Pagination, type Column } from '../../ui/table';
import { useToast } from '../../ui/toast';
import { useUrlState } from '../../ui/url-state';
import { SearchBox, pageQuery } from '../clients/parts/list-tools';
import { ASSET_TYPES, ASSET_TYPE_LABEL, AssetDialog } from './parts/asset-form';
import '../../styles/workspace.css';

const LIMIT = 25;

/** The project's Assets tab: what is in scope, with each asset's findings a click away. */
export function Component() {
  const { projectId = '' } = useParams();
  const me = useMe();
  const navigate = useNavigate();
  const confirm = useConfirm();
  const toast = useToast();
  const qc = useQueryClient();
  const [state, update] = useUrlState({ search: '', type: '', sort: 'name', order: 'asc', page: '1' });
  const [editing, setEditing] = useState<Asset | 'new' | undefined>();
  const query = { ...pageQuery(state, LIMIT), sort: state.sort as 'name', project_id: projectId, search: state.search || undefined, type: state.type || undefined };
  const list = useQuery({
    queryKey: ['assets', 'list', query],
    queryFn: () => unwrap(api.GET('/assets', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const remove = useMutation({
    mutationFn: (a: Asset) => unwrap(api.DELETE('/assets/{id}', { params: { path: { id: a.id } } })),
    onSuccess: (_r, a) => {
      void qc.invalidateQueries({ queryKey: ['assets'] });
      void qc.invalidateQueries({ queryKey: ['findings'] });
      toast(`Asset ${a.name} deleted`);
    },
    onError: (err) => toast(describeError(err), 'error'),
  });
  const writable = canWrite(me, 'assets:write');
  const askDelete = async (a: Asset) => {
    const ok = await confirm({
      title: `Delete ${a.name}?`, danger: true, confirmLabel: 'Delete asset',
      body: <p>{a.finding_count > 0 ? `Its ${a.finding_count} ${a.finding_count === 1 ? 'finding stays' : 'findings stay'} in the project, no longer linked to it.` : 'No finding refers to it.'} This cannot be undone.</p>,
    });
    if (ok) remove.mutate(a);
  };
  const columns: Column<Asset>[] = [
    { key: 'name', header: 'Name or address', sort: 'name', render: (a) => <Link to={`/assets/${a.id}`} className="ws-strong mono">{a.name}</Link> },
    { key: 'type', header: 'Type', sort: 'type', render: (a) => ASSET_TYPE_LABEL[a.type] ?? a.type },
    { key: 'description', header: 'Description', render: (a) => a.description ? <span className="ws-clip">{a.description}</span> : <span className="muted">—</span> },
    { key: 'findings', header: 'Findings', render: (a) => a.finding_count, className: 'ws-num' },
    { key: 'created_at', header: 'Added', sort: 'created_at', render: (a) => formatDate(a.created_at), className: 'nowrap' },
    ...(writable ? [{
      key: 'actions', header: 'Actions', className: 'ws-actions',
      render: (a: Asset) => (
        <span className="row">
          <Button size="sm" variant="ghost" onClick={() => setEditing(a)} aria-label={`Edit ${a.name}`}>Edit</Button>
          <Button size="sm" variant="ghost" onClick={() => void askDelete(a)} aria-label={`Delete ${a.name}`}>Delete</Button>
        </span>
      ),
    }] : []),
  ];
  const filtered = !!(state.search || state.type);
  return (
    <>
      <div className="toolbar">
        <SearchBox value={state.search} onSearch={(search) => update({ search })} label="Search assets" placeholder="Search by name or description" />
        <div className="field">
          <label htmlFor="filter-type">Type</label>
          <select id="filter-type" value={state.type} onChange={(e) => update({ type: e.target.value })}>
            <option value="">Any type</option>
            {ASSET_TYPES.map((t) => <option key={t} value={t}>{ASSET_TYPE_LABEL[t]}</option>)}
          </select>
        </div>
        <span className="spacer" />
        {writable && <Button variant="primary" icon="plus" onClick={() => setEditing('new')}>Add asset</Button>}
      </div>
      <DataTable caption="Assets of the project" columns={columns} rows={list.data?.data} loading={list.isFetching} error={list.error}
        retry={() => void list.refetch()} sort={state.sort} order={state.order as 'asc' | 'desc'} onSort={(sort, order) => update({ sort, order })}
        onOpen={(a) => navigate(`/assets/${a.id}`)}
        empty={filtered
          ? <EmptyState title="No asset matches these filters">Change or clear the search and type.</EmptyState>
          : <EmptyState title="No assets yet">{writable ? 'Add the hosts, applications and networks in scope with Add asset.' : 'Assets in scope appear here.'}</EmptyState>} />
      {list.data && <Pagination {...list.data.meta} onPage={(page) => update({ page: String(page) })} noun="assets" />}
      {editing && (
        <AssetDialog open projectId={projectId} asset={editing === 'new' ? undefined : editing} onClose={() => setEditing(undefined)}
          onSaved={(a) => { setEditing(undefined); toast(editing === 'new' ? `Asset ${a.name} added` : 'Asset saved'); }} />
      )}
    </>
  );
}
