import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { describeError } from '../../../api/errors';
import { queryClient } from '../../../api/query';
import { Button } from '../../../ui/button';
import { useConfirm } from '../../../ui/dialog';
import { EmptyState } from '../../../ui/feedback';
import { formatDate, formatDateTime, timeAgo } from '../../../ui/format';
import { DataTable, Pagination, type Column } from '../../../ui/table';
import { useToast } from '../../../ui/toast';
import { CreateTokenDialog } from './create-token-dialog';
import { listTokens, revokeToken, tokenKey, type Purpose, type Token } from './token-api';

const LIMIT = 20;
const SOON = 7 * 86_400_000;

const TEXT: Record<Purpose, { title: string; about: string; noun: string; empty: string; button: string }> = {
  api: {
    title: 'API tokens',
    about: 'Personal tokens act as you, limited to their scopes. Use them in scripts, scanners and CI/CD pipelines.',
    noun: 'API tokens',
    empty: 'Create a token to call the API from a script, a scanner or a pipeline.',
    button: 'Create token',
  },
  mcp: {
    title: 'MCP tokens',
    about: 'For AI assistants connecting through the MCP server: the same scopes as API tokens, listed apart.',
    noun: 'MCP tokens',
    empty: 'Create an MCP token to let an AI assistant read or write your data through the MCP server.',
    button: 'Create MCP token',
  },
};

function Expiry({ t }: { t: Token }) {
  if (!t.expires_at) return <span className="muted">Never</span>;
  const left = new Date(t.expires_at).getTime() - Date.now();
  return (
    <span title={formatDateTime(t.expires_at)}>
      {formatDate(t.expires_at)} {left < SOON && <span className="badge badge-warn">{left <= 0 ? 'Expired' : 'Soon'}</span>}
    </span>
  );
}

/** One kind of personal token: its list (paginated), create, revoke. */
export function TokenSection({ purpose }: { purpose: Purpose }) {
  const text = TEXT[purpose];
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const confirm = useConfirm();
  const toast = useToast();
  const q = useQuery({ queryKey: [tokenKey(purpose), page], queryFn: () => listTokens(purpose, page, LIMIT), placeholderData: keepPreviousData });

  const revoke = async (t: Token) => {
    const ok = await confirm({
      title: `Revoke “${t.name}”?`, danger: true, confirmLabel: 'Revoke token',
      body: <p>Anything using <code>{t.masked}</code> stops working at once. This cannot be undone; create a new token if you need one again.</p>,
    });
    if (!ok) return;
    try {
      await revokeToken(purpose, t.id);
      toast(`Token “${t.name}” revoked`);
    } catch (err) {
      toast(describeError(err), 'error');
    }
    await queryClient.invalidateQueries({ queryKey: [tokenKey(purpose)] });
  };

  const columns: Column<Token>[] = [
    { key: 'name', header: 'Name', className: 'col-name', render: (t) => <span className="cell-main">{t.name}</span> },
    { key: 'key', header: 'Token', render: (t) => <code className="nowrap">{t.masked}</code> },
    { key: 'scopes', header: 'Scopes', render: (t) => <div className="scope-list">{t.scopes.map((s) => <span key={s} className="scope-chip">{s}</span>)}</div> },
    { key: 'created', header: 'Created', render: (t) => <span title={formatDateTime(t.created_at)} className="nowrap">{formatDate(t.created_at)}</span> },
    { key: 'used', header: 'Last used', render: (t) => <span title={t.last_used_at ? formatDateTime(t.last_used_at) : undefined} className="nowrap">{t.last_used_at ? timeAgo(t.last_used_at) : 'Never'}</span> },
    { key: 'expires', header: 'Expires', className: 'col-nowrap', render: (t) => <Expiry t={t} /> },
    {
      key: 'actions', header: 'Actions', className: 'col-actions',
      render: (t) => <Button size="sm" variant="secondary" onClick={() => void revoke(t)} aria-label={`Revoke ${t.name}`}>Revoke</Button>,
    },
  ];

  const headingId = `${purpose}-tokens-title`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <div className="section-head">
        <div>
          <h2 id={headingId}>{text.title}</h2>
          <p>{text.about}</p>
        </div>
        <Button variant="primary" icon="plus" onClick={() => setCreating(true)}>{text.button}</Button>
      </div>
      <DataTable caption={text.title} columns={columns} rows={q.data?.data} loading={q.isPlaceholderData} error={q.error} retry={() => void q.refetch()}
        empty={<EmptyState title={`No ${text.noun} yet`}>{text.empty}</EmptyState>} />
      {q.data?.meta && <Pagination page={page} pages={q.data.meta.pages} total={q.data.meta.total} limit={LIMIT} onPage={setPage} noun={text.noun} />}
      <CreateTokenDialog purpose={purpose} open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}
