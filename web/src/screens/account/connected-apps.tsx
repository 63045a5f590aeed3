import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { describeError, unwrap } from '../../api/errors';
import { queryClient } from '../../api/query';
import { isAdmin, useMe } from '../../app/session';
import { Button } from '../../ui/button';
import { useConfirm } from '../../ui/dialog';
import { EmptyState } from '../../ui/feedback';
import { formatDate, formatDateTime } from '../../ui/format';
import { PageHeader } from '../../ui/page';
import { DataTable, Pagination, type Column } from '../../ui/table';
import { useToast } from '../../ui/toast';
import '../../styles/auth.css';

const LIMIT = 20;
const KEY = 'oauth-grants';

type Scope = 'own' | 'all';

async function listGrants(scope: Scope, page: number) {
  const query = { params: { query: { page, limit: LIMIT } } };
  return unwrap(scope === 'own' ? api.GET('/user/oauth2/grants', query) : api.GET('/oauth2/grants', query));
}
type Grant = Awaited<ReturnType<typeof listGrants>>['data'][number];

async function revokeGrant(scope: Scope, id: string) {
  const params = { params: { path: { id } } };
  if (scope === 'own') await unwrap(api.DELETE('/user/oauth2/grants/{id}', params));
  else await unwrap(api.DELETE('/oauth2/grants/{id}', params));
}

/** A list of grants, with Disconnect: the user's own, or (admins) everyone's in the workspace. */
function GrantSection({ scope }: { scope: Scope }) {
  const [page, setPage] = useState(1);
  const confirm = useConfirm();
  const toast = useToast();
  const q = useQuery({ queryKey: [KEY, scope, page], queryFn: () => listGrants(scope, page), placeholderData: keepPreviousData });

  const revoke = async (g: Grant) => {
    const ok = await confirm({
      title: `Disconnect “${g.client.name}”?`, danger: true, confirmLabel: 'Disconnect',
      body: <p>Its access and refresh tokens stop working at once. It can ask again later, and you would see the consent screen.</p>,
    });
    if (!ok) return;
    try {
      await revokeGrant(scope, g.id);
      toast(`“${g.client.name}” disconnected`);
    } catch (err) {
      toast(describeError(err), 'error');
    }
    await queryClient.invalidateQueries({ queryKey: [KEY] });
  };

  const columns: Column<Grant>[] = [
    { key: 'app', header: 'App', className: 'col-name', render: (g) => <span className="cell-main">{g.client.name}</span> },
    ...(scope === 'all' ? [{ key: 'user', header: 'User', render: (g: Grant) => <span>{g.user ? `${g.user.name} (${g.user.email})` : '—'}</span> }] : []),
    { key: 'scopes', header: 'Scopes', render: (g) => <div className="scope-list">{g.scopes.map((s) => <span key={s} className="scope-chip">{s}</span>)}</div> },
    { key: 'created', header: 'Connected', render: (g) => <span title={formatDateTime(g.created_at)} className="nowrap">{formatDate(g.created_at)}</span> },
    { key: 'expires', header: 'Expires', render: (g) => <span className="nowrap">{formatDate(g.expires_at)}</span> },
    {
      key: 'actions', header: 'Actions', className: 'col-actions',
      render: (g) => <Button size="sm" variant="secondary" onClick={() => void revoke(g)} aria-label={`Disconnect ${g.client.name}`}>Disconnect</Button>,
    },
  ];
  const title = scope === 'own' ? 'Your connected apps' : 'All connected apps in this workspace';
  const headingId = `grants-${scope}-title`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <div className="section-head">
        <div>
          <h2 id={headingId}>{title}</h2>
          <p>{scope === 'own'
            ? 'Apps you allowed through OAuth 2.0 to act for you, limited to the scopes you granted and to what your role permits.'
            : 'Every user’s grants (admins only).'}</p>
        </div>
      </div>
      <DataTable caption={title} columns={columns} rows={q.data?.data} loading={q.isPlaceholderData} error={q.error} retry={() => void q.refetch()}
        empty={<EmptyState title="No connected apps">{scope === 'own' ? 'When you allow an app on the consent screen, it shows here.' : 'Nobody has connected an app yet.'}</EmptyState>} />
      {q.data?.meta && <Pagination page={page} pages={q.data.meta.pages} total={q.data.meta.total} limit={LIMIT} onPage={setPage} noun="connected apps" />}
    </section>
  );
}

/** Settings → Connected apps: OAuth grants, with revocation. */
export function Component() {
  const me = useMe();
  return (
    <>
      <PageHeader title="Connected apps" description="Third-party apps and AI assistants that you let act for you through OAuth 2.0." />
      <div className="account-stack">
        <GrantSection scope="own" />
        {isAdmin(me) && <GrantSection scope="all" />}
      </div>
    </>
  );
}
