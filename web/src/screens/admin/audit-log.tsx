import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { unwrap } from '../../api/errors';
import type { Data } from '../../api/types';
import { Button } from '../../ui/button';
import { Dialog } from '../../ui/dialog';
import { EmptyState } from '../../ui/feedback';
import { Field } from '../../ui/field';
import { formatDateTime } from '../../ui/format';
import { PageHeader } from '../../ui/page';
import { DataTable, Pagination, type Column } from '../../ui/table';
import { useUrlState } from '../../ui/url-state';
import { AdminOnly } from './parts/admin-only';
import { PAGE_SIZE } from './parts/forms';
import '../../styles/admin.css';

type AuditEvent = Data<'listAuditLog'>[number];

const OBJECT_TYPES = ['user', 'api_token', 'session', 'service_account', 'webhook', 'client', 'project', 'finding', 'asset', 'report', 'report_template', 'tenant'];
const ACTIONS = [
  'auth.*', 'auth.login_succeeded', 'auth.login_failed', 'auth.logout', 'user.*', 'user.created', 'user.role_changed', 'user.deactivated',
  'user.reactivated', 'user.password_changed', 'token.*', 'token.created', 'token.revoked', 'token.rotated', 'session.revoked',
  'service_account.*', 'webhook.*', 'settings.report_updated', 'finding.*', 'project.*', 'client.*', 'asset.*', 'report.*',
];
const DEFAULTS = { actor: '', action: '', object_type: '', object_id: '', from: '', to: '', page: '1' };

export function Component() {
  return <AdminOnly title="Audit log"><AuditLog /></AdminOnly>;
}

/** A day in the viewer's time zone as the API's bounds: from its first instant, to its last. */
const dayStart = (d: string) => new Date(`${d}T00:00:00`).toISOString();
const dayEnd = (d: string) => new Date(`${d}T23:59:59.999`).toISOString();

function AuditLog() {
  const [url, setUrl] = useUrlState(DEFAULTS);
  const [draft, setDraft] = useState(url);
  useEffect(() => setDraft(url), [url]);
  const [open, setOpen] = useState<AuditEvent | undefined>();
  const page = Number(url.page) || 1;
  const query = {
    page, limit: PAGE_SIZE,
    ...(url.actor && { actor: url.actor }),
    ...(url.action && { action: url.action }),
    ...(url.object_type && { object_type: url.object_type }),
    ...(url.object_id && { object_id: url.object_id }),
    ...(url.from && { created_after: dayStart(url.from) }),
    ...(url.to && { created_before: dayEnd(url.to) }),
  };
  const log = useQuery({
    queryKey: ['audit-log', query],
    queryFn: () => unwrap(api.GET('/audit-log', { params: { query } })),
    placeholderData: (prev) => prev,
  });
  // Names for the actors: the team's users (the audit log names them by id).
  const people = useQuery({
    queryKey: ['users', 'all-names'],
    queryFn: () => unwrap(api.GET('/users', { params: { query: { limit: 100, sort: 'name', order: 'asc' } } })),
    staleTime: 5 * 60_000,
  });
  const services = useQuery({
    queryKey: ['service-accounts', 'all-names'],
    queryFn: () => unwrap(api.GET('/service-accounts', { params: { query: { limit: 100, sort: 'name', order: 'asc' } } })),
    staleTime: 5 * 60_000,
  });
  const names = useMemo(
    () => new Map([...(people.data?.data ?? []), ...(services.data?.data ?? [])].map((a) => [a.id, a.name])),
    [people.data, services.data],
  );
  const actorName = (e: AuditEvent) =>
    e.actor.type === 'system' ? 'System' : e.actor.type === 'anonymous' ? 'Anonymous' : (e.actor.id && names.get(e.actor.id)) ?? e.actor.id ?? '—';

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const { page: _page, ...filters } = draft;
    void _page;
    setUrl(Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, v.trim()])));
  };
  const filtered = Object.entries(url).some(([k, v]) => k !== 'page' && v);
  const set = (k: keyof typeof DEFAULTS) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));

  const columns: Column<AuditEvent>[] = [
    { key: 'time', header: 'Time', render: (e) => <span className="nowrap">{formatDateTime(e.created_at)}</span> },
    { key: 'actor', header: 'Actor', render: (e) => <span>{actorName(e)}{e.actor.type === 'service_account' && <span className="muted small"> (service)</span>}</span> },
    { key: 'action', header: 'Action', render: (e) => <span className="mono small">{e.action}</span> },
    { key: 'object', header: 'Object', render: (e) => e.object_type
      ? <span className="cell-object" title={e.object_id ?? undefined}><span className="muted">{e.object_type.replace(/_/g, ' ')}</span> <span className="mono small">{e.object_id}</span></span>
      : <span className="muted">—</span> },
    { key: 'ip', header: 'IP', render: (e) => <span className="mono small">{e.ip ?? '—'}</span> },
  ];

  return (
    <>
      <PageHeader title="Audit log" description="Who did what, and when: sign-ins, tokens, roles, settings, and every change to the team's data." />
      <form className="toolbar audit-filters" onSubmit={apply} aria-label="Filters">
        <Field label="Actor">
          <select value={draft.actor} onChange={set('actor')}>
            <option value="">Anyone</option>
            {(people.data?.data ?? []).map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
            {draft.actor && !names.has(draft.actor) && <option value={draft.actor}>{draft.actor}</option>}
          </select>
        </Field>
        <Field label="Action">
          <input value={draft.action} onChange={set('action')} list="audit-actions" placeholder="e.g. user.role_changed or auth.*" />
        </Field>
        <datalist id="audit-actions">{ACTIONS.map((a) => <option key={a} value={a} />)}</datalist>
        <Field label="Object type">
          <select value={draft.object_type} onChange={set('object_type')}>
            <option value="">Any</option>
            {OBJECT_TYPES.map((t) => <option key={t} value={t}>{t.replace(/_/g, ' ')}</option>)}
          </select>
        </Field>
        <Field label="Object id"><input value={draft.object_id} onChange={set('object_id')} placeholder="user_…, fnd_…" className="mono" /></Field>
        <Field label="From"><input type="date" value={draft.from} onChange={set('from')} max={draft.to || undefined} /></Field>
        <Field label="To"><input type="date" value={draft.to} onChange={set('to')} min={draft.from || undefined} /></Field>
        <div className="row">
          <Button type="submit" variant="primary">Apply filters</Button>
          {filtered && <Button variant="ghost" onClick={() => setUrl({ actor: '', action: '', object_type: '', object_id: '', from: '', to: '' })}>Clear</Button>}
        </div>
      </form>
      <DataTable caption="Audit log" columns={columns} rows={log.data?.data} loading={log.isFetching} error={log.error} retry={() => void log.refetch()}
        onOpen={setOpen}
        empty={filtered
          ? <EmptyState title="Nothing matches these filters">Widen the date range or clear a filter. Actions take a family too: <span className="mono">auth.*</span>.</EmptyState>
          : <EmptyState title="Nothing recorded yet" />} />
      {log.data && <Pagination page={page} pages={log.data.meta.pages} total={log.data.meta.total} limit={PAGE_SIZE} onPage={(p) => setUrl({ page: String(p) })} noun="events" />}
      {open && <EventDialog event={open} actor={actorName(open)} onClose={() => setOpen(undefined)} />}
    </>
  );
}

const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

function EventDialog({ event: e, actor, onClose }: { event: AuditEvent; actor: string; onClose: () => void }) {
  const changes = Object.entries((e.changes ?? {}) as Record<string, { old?: unknown; new?: unknown }>);
  return (
    <Dialog open wide title={e.action} onClose={onClose} footer={<Button variant="primary" onClick={onClose}>Close</Button>}>
      <dl className="detail-list">
        <div><dt>Time</dt><dd>{formatDateTime(e.created_at)}</dd></div>
        <div><dt>Actor</dt><dd>{actor} <span className="muted small">({e.actor.type.replace(/_/g, ' ')})</span></dd></div>
        <div><dt>IP</dt><dd className="mono">{e.ip ?? '—'}</dd></div>
        <div><dt>Object</dt><dd>{e.object_type ? <>{e.object_type.replace(/_/g, ' ')} <span className="mono small">{e.object_id}</span></> : '—'}</dd></div>
        <div><dt>Credential</dt><dd className="mono small">{e.credential_id ?? '—'}</dd></div>
        <div><dt>Request</dt><dd className="mono small">{e.request_id ?? '—'}</dd></div>
        {e.user_agent && <div className="wide"><dt>User agent</dt><dd className="small">{e.user_agent}</dd></div>}
      </dl>
      <h3 className="code-title">Changes</h3>
      {changes.length === 0 ? <p className="muted">No field changed in this event.</p> : (
        <div className="table-wrap">
          <table className="table diff-table">
            <caption className="sr-only">Changed fields, before and after</caption>
            <thead><tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
            <tbody>
              {changes.map(([field, c]) => (
                <tr key={field}>
                  <th scope="row" className="mono small">{field}</th>
                  <td className="diff-old">{show(c?.old)}</td>
                  <td className="diff-new">{show(c?.new)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {e.data !== null && e.data !== undefined && (
        <details className="raw-data">
          <summary>Event data</summary>
          <pre className="code-block" tabIndex={0} aria-label="Event data">{JSON.stringify(e.data, null, 2)}</pre>
        </details>
      )}
    </Dialog>
  );
}
