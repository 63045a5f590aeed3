import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { describeError, unwrap } from '../../api/errors';
import type { Data } from '../../api/types';
import { Button } from '../../ui/button';
import { Dialog, useConfirm } from '../../ui/dialog';
import { Banner, EmptyState } from '../../ui/feedback';
import { Field } from '../../ui/field';
import { formatDate, formatDateTime, timeAgo } from '../../ui/format';
import { Card, PageHeader } from '../../ui/page';
import { SecretOnce } from '../../ui/secret';
import { DataTable, Pagination, type Column } from '../../ui/table';
import { useToast } from '../../ui/toast';
import { useUrlState } from '../../ui/url-state';
import { AdminOnly } from './parts/admin-only';
import { DeliveryDialog, DeliveryStatus } from './parts/delivery';
import { EventPicker } from './parts/event-picker';
import { formErrors, PAGE_SIZE } from './parts/forms';
import '../../styles/admin.css';

type Webhook = Data<'getWebhook'>;
type WithSecret = Data<'createWebhook'>;
type Delivery = Data<'listWebhookDeliveries'>[number];

export function Component() {
  return <AdminOnly title="Webhooks"><Webhooks /></AdminOnly>;
}

function Webhooks() {
  const [url, setUrl] = useUrlState({ page: '1', webhook: '' });
  const page = Number(url.page) || 1;
  const [editing, setEditing] = useState<Webhook | 'new' | undefined>();
  const list = useQuery({
    queryKey: ['webhooks', 'list', page],
    queryFn: () => unwrap(api.GET('/webhooks', { params: { query: { page, limit: PAGE_SIZE } } })),
    placeholderData: (prev) => prev,
  });
  const selected = list.data?.data.find((w) => w.id === url.webhook);
  const columns: Column<Webhook>[] = [
    { key: 'url', header: 'Endpoint', render: (w) => (
      <div className="cell-url">
        <div className="mono">{w.url}</div>
        {w.description && <div className="muted small">{w.description}</div>}
      </div>
    ) },
    { key: 'events', header: 'Events', render: (w) => <EventSummary events={w.events} /> },
    { key: 'status', header: 'Status', render: (w) => <WebhookState webhook={w} /> },
    { key: 'created', header: 'Created', render: (w) => formatDate(w.created_at) },
  ];
  return (
    <>
      <PageHeader title="Webhooks"
        description="Signed HTTP callbacks (Standard Webhooks) to your own systems when something changes: retried with back-off and logged."
        actions={<Button variant="primary" icon="plus" onClick={() => setEditing('new')}>Add webhook</Button>} />
      <DataTable caption="Webhooks" columns={columns} rows={list.data?.data} loading={list.isFetching} error={list.error} retry={() => void list.refetch()}
        onOpen={(w) => setUrl({ webhook: w.id === url.webhook ? '' : w.id, page: url.page })}
        empty={<EmptyState title="No webhooks yet">Add one to tell your ticketing system, chat or pipeline about new findings and generated reports.</EmptyState>} />
      {list.data && <Pagination page={page} pages={list.data.meta.pages} total={list.data.meta.total} limit={PAGE_SIZE} onPage={(p) => setUrl({ page: String(p) })} noun="webhooks" />}
      {selected && <WebhookPanel key={selected.id} webhook={selected} onEdit={() => setEditing(selected)} onGone={() => setUrl({ webhook: '', page: url.page })} />}
      {url.webhook && list.data && !selected && <Banner>That webhook is not on this page (it may have been deleted).</Banner>}
      {editing && <WebhookDialog webhook={editing === 'new' ? undefined : editing} onClose={() => setEditing(undefined)}
        onCreated={(w) => setUrl({ webhook: w.id, page: url.page })} />}
    </>
  );
}

function EventSummary({ events }: { events: string[] }) {
  if (events.includes('*')) return <span className="badge">All events</span>;
  const shown = events.slice(0, 2);
  return (
    <span className="scope-badges" title={events.join(', ')}>
      {shown.map((e) => <span key={e} className="badge badge-scope">{e}</span>)}
      {events.length > 2 && <span className="muted small">+{events.length - 2} more</span>}
    </span>
  );
}

function WebhookState({ webhook }: { webhook: Webhook }) {
  if (!webhook.active) return <span className="badge badge-off" title={webhook.disabled_reason ?? undefined}>{webhook.disabled_reason ? 'Turned off' : 'Inactive'}</span>;
  if (webhook.failing_since) return <span className="badge badge-warn" title={`Failing since ${formatDateTime(webhook.failing_since)}`}>Failing</span>;
  return <span className="badge badge-ok">Active</span>;
}

function WebhookDialog({ webhook, onClose, onCreated }: { webhook?: Webhook; onClose: () => void; onCreated: (w: Webhook) => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [target, setTarget] = useState(webhook?.url ?? '');
  const [description, setDescription] = useState(webhook?.description ?? '');
  const [active, setActive] = useState(webhook?.active ?? true);
  const [events, setEvents] = useState<string[]>(webhook?.events ?? ['finding.created', 'finding.updated']);
  const [created, setCreated] = useState<WithSecret | undefined>();
  const save = useMutation({
    mutationFn: async () => {
      const body = { url: target.trim(), description: description.trim() || null, active, events: events as Webhook['events'] };
      if (webhook) return (await unwrap(api.PUT('/webhooks/{id}', { params: { path: { id: webhook.id } }, body }))).data;
      return (await unwrap(api.POST('/webhooks', { body }))).data;
    },
    onSuccess: (w) => {
      void qc.invalidateQueries({ queryKey: ['webhooks'] });
      if (webhook) {
        toast('Webhook saved');
        onClose();
      } else {
        setCreated(w as WithSecret);
        onCreated(w);
      }
    },
  });
  const errs = save.error ? formErrors(save.error) : { fields: {} as Record<string, string> };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (events.length) save.mutate();
  };
  if (created) {
    return (
      <Dialog open title="Webhook created" onClose={onClose} footer={<Button variant="primary" onClick={onClose}>Done</Button>}>
        <p>Deliveries to <span className="mono">{created.url}</span> are signed with this secret (the <span className="mono">webhook-signature</span> header). Keep it in your receiver's configuration.</p>
        <SecretOnce secret={created.secret} label="Signing secret" />
        <p className="muted small">Use <strong>Send test</strong> to check that your receiver answers.</p>
      </Dialog>
    );
  }
  return (
    <Dialog open wide title={webhook ? 'Edit webhook' : 'Add webhook'} onClose={onClose}
      footer={<>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="primary" type="submit" form="webhook-form" busy={save.isPending} disabled={!events.length}>{webhook ? 'Save' : 'Add webhook'}</Button>
      </>}>
      <form id="webhook-form" onSubmit={submit}>
        {errs.message && <Banner kind="error">{errs.message}</Banner>}
        <Field label="Payload URL" error={errs.fields.url} hint="An https address of your receiver; private and loopback addresses are refused.">
          <input type="url" value={target} onChange={(e) => setTarget(e.target.value)} required maxLength={2000} placeholder="https://hooks.example.com/neuro" autoFocus />
        </Field>
        <Field label="Description" error={errs.fields.description}>
          <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={1000} placeholder="What receives it" />
        </Field>
        <label className="check field check-field">
          <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} />
          <span>Active <span className="muted">— inactive webhooks receive nothing</span></span>
        </label>
        <EventPicker value={events} onChange={setEvents} error={errs.fields.events ?? (events.length ? undefined : 'Choose at least one event, or All events')} />
      </form>
    </Dialog>
  );
}

function WebhookPanel({ webhook, onEdit, onGone }: { webhook: Webhook; onEdit: () => void; onGone: () => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const confirm = useConfirm();
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<Delivery | undefined>();
  const [secret, setSecret] = useState<string | undefined>();
  const deliveries = useQuery({
    queryKey: ['webhooks', webhook.id, 'deliveries', page],
    queryFn: () => unwrap(api.GET('/webhooks/{id}/deliveries', { params: { path: { id: webhook.id }, query: { page, limit: PAGE_SIZE } } })),
    placeholderData: (prev) => prev,
    // A delivery on its way: look again every 2 s until it has an outcome.
    refetchInterval: (q) => (q.state.data?.data.some((d) => d.status === 'pending') ? 2000 : false),
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['webhooks'] });
  const test = useMutation({
    mutationFn: () => unwrap(api.POST('/webhooks/{id}/test', { params: { path: { id: webhook.id } } })),
    onSuccess: () => { setPage(1); refresh(); toast('Test event queued: watch the delivery log'); },
    onError: (e) => toast(describeError(e), 'error'),
  });
  const redeliver = useMutation({
    mutationFn: (d: Delivery) => unwrap(api.POST('/webhooks/{id}/deliveries/{delivery_id}/redeliver', { params: { path: { id: webhook.id, delivery_id: d.id } } })),
    onSuccess: () => { setPage(1); setOpen(undefined); refresh(); toast('Redelivery queued'); },
    onError: (e) => toast(describeError(e), 'error'),
  });
  const rotate = useMutation({
    mutationFn: () => unwrap(api.POST('/webhooks/{id}/rotate-secret', { params: { path: { id: webhook.id } } })),
    onSuccess: (r) => { setSecret(r.data.secret); refresh(); },
    onError: (e) => toast(describeError(e), 'error'),
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/webhooks/{id}', { params: { path: { id: webhook.id } } })),
    onSuccess: () => { refresh(); toast('Webhook deleted'); onGone(); },
    onError: (e) => toast(describeError(e), 'error'),
  });
  const askRotate = async () => {
    const ok = await confirm({
      title: 'Rotate the signing secret?', confirmLabel: 'Rotate secret',
      body: <p>A new secret signs every delivery from now on. The old one keeps signing beside it for 24 hours, so you have time to update your receiver.</p>,
    });
    if (ok) rotate.mutate();
  };
  const askDelete = async () => {
    const ok = await confirm({
      title: 'Delete this webhook?', danger: true, confirmLabel: 'Delete webhook',
      body: <p><span className="mono">{webhook.url}</span> receives nothing more, and its delivery log is deleted with it. This cannot be undone.</p>,
    });
    if (ok) remove.mutate();
  };

  const columns: Column<Delivery>[] = [
    { key: 'time', header: 'Time', render: (d) => <span title={formatDateTime(d.attempted_at ?? d.created_at)}>{formatDateTime(d.attempted_at ?? d.created_at)}</span> },
    { key: 'event', header: 'Event', render: (d) => <span className="mono small">{d.event}</span> },
    { key: 'status', header: 'Status', render: (d) => <DeliveryStatus delivery={d} /> },
    { key: 'http', header: 'HTTP', render: (d) => d.response_status ?? '—', className: 'num' },
    { key: 'duration', header: 'Duration', render: (d) => (d.duration_ms === null ? '—' : `${d.duration_ms} ms`), className: 'num' },
    { key: 'attempt', header: 'Attempt', render: (d) => d.attempt, className: 'num' },
    { key: 'open', header: 'Details', className: 'col-actions', render: (d) => <Button size="sm" variant="ghost" onClick={() => setOpen(d)} aria-label={`Details of the ${d.event} delivery of ${formatDateTime(d.created_at)}`}>Details</Button> },
  ];
  const pending = deliveries.data?.data.some((d) => d.status === 'pending');

  return (
    <Card className="account-panel" title={<span className="mono">{webhook.url}</span>}
      actions={
        <div className="row">
          <Button size="sm" variant="primary" icon="webhook" onClick={() => test.mutate()} busy={test.isPending} disabled={!webhook.active}
            title={webhook.active ? undefined : 'Turn the webhook on first'}>Send test</Button>
          <Button size="sm" onClick={onEdit}>Edit</Button>
          <Button size="sm" onClick={() => void askRotate()} busy={rotate.isPending}>Rotate secret</Button>
          <Button size="sm" variant="danger" onClick={() => void askDelete()} busy={remove.isPending}>Delete</Button>
        </div>
      }>
      <div className="meta-row muted">
        <WebhookState webhook={webhook} />
        <EventSummary events={webhook.events} />
        {webhook.description && <span>{webhook.description}</span>}
        {webhook.previous_secret_expires_at && <span>Old secret valid until {formatDateTime(webhook.previous_secret_expires_at)}</span>}
      </div>
      {webhook.disabled_reason && <Banner kind="warning">Turned off {timeAgo(webhook.disabled_at)}: {webhook.disabled_reason}. Fix the receiver, then set the webhook active again in Edit.</Banner>}
      <div className="subhead">
        <h3>Delivery log</h3>
        {pending && <span className="pending-note" role="status"><span className="spinner" aria-hidden="true" /> Delivering…</span>}
      </div>
      <DataTable caption={`Deliveries of ${webhook.url}`} columns={columns} rows={deliveries.data?.data} loading={deliveries.isFetching && !pending}
        error={deliveries.error} retry={() => void deliveries.refetch()} onOpen={setOpen}
        empty={<EmptyState title="No deliveries yet">Press Send test to send a webhook.test event to this endpoint.</EmptyState>} />
      {deliveries.data && <Pagination page={page} pages={deliveries.data.meta.pages} total={deliveries.data.meta.total} limit={PAGE_SIZE} onPage={setPage} noun="deliveries" />}
      {open && <DeliveryDialog webhookId={webhook.id} delivery={open} onClose={() => setOpen(undefined)}
        onRedeliver={() => redeliver.mutate(open)} redelivering={redeliver.isPending} canRedeliver={webhook.active} />}
      {secret && (
        <Dialog open title="New signing secret" onClose={() => setSecret(undefined)} footer={<Button variant="primary" onClick={() => setSecret(undefined)}>Done</Button>}>
          <SecretOnce secret={secret} label="Signing secret" />
          <p className="muted small">The previous secret also signs deliveries for the next 24 hours.</p>
        </Dialog>
      )}
    </Card>
  );
}
