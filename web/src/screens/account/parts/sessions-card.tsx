import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client';
import { describeError, unwrap } from '../../../api/errors';
import { queryClient } from '../../../api/query';
import type { Data } from '../../../api/types';
import { Button } from '../../../ui/button';
import { useConfirm } from '../../../ui/dialog';
import { DataTable, Pagination, type Column } from '../../../ui/table';
import { formatDate, formatDateTime, timeAgo } from '../../../ui/format';
import { useToast } from '../../../ui/toast';
import { deviceOf } from './device';

type Session = Data<'listSessions'>[number];
const LIMIT = 10;

const listSessions = (page: number, limit = LIMIT) =>
  unwrap(api.GET('/user/sessions', { params: { query: { page, limit, sort: 'last_used_at', order: 'desc' } } }));

/** Every other session, across all pages. */
async function otherSessionIds(): Promise<string[]> {
  const ids: string[] = [];
  for (let page = 1; ; page++) {
    const r = await listSessions(page, 100);
    ids.push(...r.data.filter((s) => !s.current).map((s) => s.id));
    if (page >= (r.meta?.pages ?? 1)) return ids;
  }
}

export function SessionsCard() {
  const [page, setPage] = useState(1);
  const confirm = useConfirm();
  const toast = useToast();
  const [busy, setBusy] = useState<string>();
  const q = useQuery({ queryKey: ['sessions', page], queryFn: () => listSessions(page), placeholderData: keepPreviousData });
  // Every session but this one (a session always lists itself).
  const others = (q.data?.meta?.total ?? 0) - 1;

  const revoke = async (s: Session) => {
    const ok = await confirm({
      title: 'Sign out this session?', danger: true, confirmLabel: 'Sign out session',
      body: <p>{deviceOf(s.user_agent)}{s.ip ? ` at ${s.ip}` : ''}, last used {timeAgo(s.last_used_at)}, will have to sign in again.</p>,
    });
    if (!ok) return;
    setBusy(s.id);
    try {
      await unwrap(api.DELETE('/user/sessions/{id}', { params: { path: { id: s.id } } }));
      toast('Session signed out');
    } catch (err) {
      toast(describeError(err), 'error');
    } finally {
      setBusy(undefined);
      await queryClient.invalidateQueries({ queryKey: ['sessions'] });
    }
  };

  const revokeOthers = async () => {
    const ok = await confirm({
      title: 'Sign out all other sessions?', danger: true, confirmLabel: 'Sign out others',
      body: <p>Every browser and device signed in as you, except this one, will have to sign in again. API tokens keep working.</p>,
    });
    if (!ok) return;
    setBusy('others');
    try {
      const ids = await otherSessionIds();
      for (const id of ids) await unwrap(api.DELETE('/user/sessions/{id}', { params: { path: { id } } }));
      toast(ids.length === 1 ? '1 other session signed out' : `${ids.length} other sessions signed out`);
    } catch (err) {
      toast(describeError(err), 'error');
    } finally {
      setBusy(undefined);
      setPage(1);
      await queryClient.invalidateQueries({ queryKey: ['sessions'] });
    }
  };

  const columns: Column<Session>[] = [
    {
      key: 'device', header: 'Device', render: (s) => (
        <div>
          <div className="cell-main">{deviceOf(s.user_agent)} {s.current && <span className="badge badge-current">This session</span>}</div>
          <div className="cell-sub" title={s.user_agent ?? undefined}>Signed in {formatDateTime(s.created_at)}</div>
        </div>
      ),
    },
    { key: 'ip', header: 'IP address', render: (s) => <span className="mono">{s.ip ?? '—'}</span> },
    { key: 'last', header: 'Last used', render: (s) => <span title={formatDateTime(s.last_used_at)}>{s.current ? 'Now' : timeAgo(s.last_used_at)}</span> },
    { key: 'expires', header: 'Expires', className: 'col-nowrap', render: (s) => <span title={formatDateTime(s.expires_at)}>{formatDate(s.expires_at)}</span> },
    {
      key: 'actions', header: 'Actions', className: 'col-actions', render: (s) => s.current ? <span className="muted">—</span> : (
        <Button size="sm" variant="secondary" busy={busy === s.id} onClick={() => void revoke(s)} aria-label={`Sign out ${deviceOf(s.user_agent)}, last used ${timeAgo(s.last_used_at)}`}>Sign out</Button>
      ),
    },
  ];

  return (
    <section className="card">
      <div className="section-head">
        <div>
          <h2>Sessions</h2>
          <p>Browsers and devices signed in as you. Sign out any you do not recognise, then change your password.</p>
        </div>
        <Button variant="secondary" busy={busy === 'others'} disabled={others <= 0} onClick={() => void revokeOthers()}>Sign out all other sessions</Button>
      </div>
      <DataTable caption="Your sessions" columns={columns} rows={q.data?.data} loading={q.isPlaceholderData} error={q.error} retry={() => void q.refetch()} />
      {q.data?.meta && <Pagination page={page} pages={q.data.meta.pages} total={q.data.meta.total} limit={LIMIT} onPage={setPage} noun="sessions" />}
    </section>
  );
}
