import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import { describeError, unwrap } from '../../api/errors';
import type { Finding } from '../../api/types';
import { canWrite, useMe } from '../../app/session';
import { SeverityBadge, StatusBadge } from '../../ui/badges';
import { Button } from '../../ui/button';
import { useConfirm } from '../../ui/dialog';
import { EmptyState, ErrorState, Spinner } from '../../ui/feedback';
import { formatDate, formatDateTime } from '../../ui/format';
import { Card, PageHeader } from '../../ui/page';
import { DataTable, Pagination, type Column } from '../../ui/table';
import { useToast } from '../../ui/toast';
import { useUrlState } from '../../ui/url-state';
import { pageQuery } from '../clients/parts/list-tools';
import { useProject } from '../projects/parts/project-bits';
import { ASSET_TYPE_LABEL, AssetDialog } from './parts/asset-form';
import '../../styles/workspace.css';

const columns: Column<Finding>[] = [
  { key: 'severity', header: 'Severity', sort: 'severity', render: (f) => <SeverityBadge severity={f.severity} /> },
  { key: 'title', header: 'Finding', sort: 'title', render: (f) => <Link to={`/findings/${f.id}`} className="ws-strong">{f.title}</Link> },
  { key: 'status', header: 'Status', sort: 'status', render: (f) => <StatusBadge status={f.status} /> },
  { key: 'cvss', header: 'CVSS', sort: 'cvss_score', render: (f) => f.cvss_score ?? <span className="muted">—</span>, className: 'ws-num' },
  { key: 'updated_at', header: 'Changed', sort: 'updated_at', render: (f) => formatDate(f.updated_at), className: 'nowrap' },
];

/** An asset with the findings that affect it. */
export function Component() {
  const { assetId = '' } = useParams();
  const me = useMe();
  const navigate = useNavigate();
  const confirm = useConfirm();
  const toast = useToast();
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [state, update] = useUrlState({ sort: 'severity', order: 'desc', page: '1' });
  const asset = useQuery({
    queryKey: ['assets', assetId],
    queryFn: async () => (await unwrap(api.GET('/assets/{id}', { params: { path: { id: assetId } } }))).data,
  });
  const project = useProject(asset.data?.project_id ?? '');
  const query = { ...pageQuery(state, 25), sort: state.sort as 'severity' };
  const findings = useQuery({
    queryKey: ['findings', 'of-asset', assetId, query],
    queryFn: () => unwrap(api.GET('/assets/{id}/findings', { params: { path: { id: assetId }, query } })),
    placeholderData: keepPreviousData,
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/assets/{id}', { params: { path: { id: assetId } } })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['assets'] });
      toast(`Asset ${asset.data?.name ?? ''} deleted`);
      navigate(asset.data ? `/projects/${asset.data.project_id}/assets` : '/projects', { replace: true });
    },
    onError: (err) => toast(describeError(err), 'error'),
  });

  if (asset.error) return <><PageHeader title="Asset" /><ErrorState error={asset.error} retry={() => void asset.refetch()} /></>;
  if (!asset.data) return <Spinner />;
  const a = asset.data;
  const writable = canWrite(me, 'assets:write');
  const askDelete = async () => {
    const ok = await confirm({
      title: `Delete ${a.name}?`, danger: true, confirmLabel: 'Delete asset',
      body: <p>{a.finding_count > 0 ? `Its ${a.finding_count} ${a.finding_count === 1 ? 'finding stays' : 'findings stay'} in the project, no longer linked to it.` : 'No finding refers to it.'} This cannot be undone.</p>,
    });
    if (ok) remove.mutate();
  };
  return (
    <>
      <PageHeader title={a.name}
        breadcrumb={<><Link to="/projects">Projects</Link> / <Link to={`/projects/${a.project_id}/assets`}>{project.data?.name ?? 'Project'}</Link></>}
        description={<span className="ws-meta"><span className="badge">{ASSET_TYPE_LABEL[a.type] ?? a.type}</span><span>{a.finding_count} {a.finding_count === 1 ? 'finding' : 'findings'}</span></span>}
        actions={writable && (
          <>
            <Button onClick={() => setEditing(true)}>Edit</Button>
            <Button variant="danger" busy={remove.isPending} onClick={() => void askDelete()}>Delete</Button>
          </>
        )} />
      <div className="ws-detail">
        <Card title="Details" className="ws-detail-side">
          <dl className="ws-dl">
            <dt>Address</dt><dd className="mono ws-break">{a.name}</dd>
            <dt>Type</dt><dd>{ASSET_TYPE_LABEL[a.type] ?? a.type}</dd>
            <dt>Tags</dt><dd>{a.tags.length > 0 ? <span className="row">{a.tags.map((t) => <span key={t} className="badge">{t}</span>)}</span> : <span className="muted">—</span>}</dd>
            <dt>Added</dt><dd>{formatDateTime(a.created_at)}</dd>
          </dl>
          {a.description && <><h3 className="ws-subhead">Description</h3><p className="ws-pre">{a.description}</p></>}
        </Card>
        <section className="ws-detail-main" aria-labelledby="asset-findings">
          <div className="ws-section-head">
            <h2 id="asset-findings">Findings affecting this asset</h2>
            {canWrite(me, 'findings:write') && <Link className="btn btn-secondary btn-sm" to={`/findings/new?project_id=${a.project_id}`}>New finding</Link>}
          </div>
          <DataTable caption={`Findings affecting ${a.name}`} columns={columns} rows={findings.data?.data} loading={findings.isFetching}
            error={findings.error} retry={() => void findings.refetch()} sort={state.sort} order={state.order as 'asc' | 'desc'}
            onSort={(sort, order) => update({ sort, order })} onOpen={(f) => navigate(`/findings/${f.id}`)}
            empty={<EmptyState title="No findings affect this asset">Link it from a finding's affected assets.</EmptyState>} />
          {findings.data && <Pagination {...findings.data.meta} onPage={(page) => update({ page: String(page) })} noun="findings" />}
        </section>
      </div>
      {editing && <AssetDialog open projectId={a.project_id} asset={a} onClose={() => setEditing(false)} onSaved={() => { setEditing(false); toast('Asset saved'); }} />}
    </>
  );
}
