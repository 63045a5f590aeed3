import { useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client';
import { unwrap } from '../../../api/errors';
import type { Data } from '../../../api/types';
import { Button } from '../../../ui/button';
import { Dialog } from '../../../ui/dialog';
import { ErrorState, Spinner } from '../../../ui/feedback';
import { formatDateTime } from '../../../ui/format';

type Delivery = Data<'listWebhookDeliveries'>[number];

export function DeliveryStatus({ delivery: d }: { delivery: Delivery }) {
  if (d.status === 'succeeded') return <span className="badge badge-ok">Succeeded</span>;
  if (d.status === 'failed') return <span className="badge badge-bad" title={d.error ?? undefined}>Failed</span>;
  return (
    <span className="badge badge-warn" title={d.next_attempt_at ? `Next attempt ${formatDateTime(d.next_attempt_at)}` : undefined}>
      {d.attempt > 0 ? 'Retrying' : 'Pending'}
    </span>
  );
}

function pretty(text: string | null | undefined): string {
  if (!text) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** One delivery: what was sent, what came back, and Redeliver. */
export function DeliveryDialog({ webhookId, delivery, onClose, onRedeliver, redelivering, canRedeliver }: {
  webhookId: string;
  delivery: Delivery;
  onClose: () => void;
  onRedeliver: () => void;
  redelivering: boolean;
  canRedeliver: boolean;
}) {
  const detail = useQuery({
    queryKey: ['webhooks', webhookId, 'delivery', delivery.id],
    queryFn: async () => (await unwrap(api.GET('/webhooks/{id}/deliveries/{delivery_id}', { params: { path: { id: webhookId, delivery_id: delivery.id } } }))).data,
    refetchInterval: (q) => (q.state.data?.status === 'pending' ? 2000 : false),
  });
  const d = detail.data ?? delivery;
  return (
    <Dialog open wide title={`Delivery of ${d.event}`} onClose={onClose}
      footer={<>
        <Button onClick={onClose}>Close</Button>
        <Button variant="primary" onClick={onRedeliver} busy={redelivering} disabled={!canRedeliver}
          title={canRedeliver ? undefined : 'Turn the webhook on first'}>Redeliver</Button>
      </>}>
      <dl className="detail-list">
        <div><dt>Status</dt><dd><DeliveryStatus delivery={d} /></dd></div>
        <div><dt>HTTP status</dt><dd>{d.response_status ?? '—'}</dd></div>
        <div><dt>Duration</dt><dd>{d.duration_ms === null ? '—' : `${d.duration_ms} ms`}</dd></div>
        <div><dt>Attempts</dt><dd>{d.attempt}</dd></div>
        <div><dt>Last attempt</dt><dd>{formatDateTime(d.attempted_at)}</dd></div>
        <div><dt>Next attempt</dt><dd>{formatDateTime(d.next_attempt_at)}</dd></div>
        <div className="wide"><dt>webhook-id</dt><dd className="mono">{d.event_id}</dd></div>
        {d.redelivery_of && <div className="wide"><dt>Redelivery of</dt><dd className="mono">{d.redelivery_of}</dd></div>}
      </dl>
      {d.error && <div className="banner banner-error" role="alert">{d.error}</div>}
      <h3 className="code-title">Request body</h3>
      {detail.error ? <ErrorState error={detail.error} retry={() => void detail.refetch()} /> : !detail.data ? <Spinner /> : (
        detail.data.request_body
          ? <pre className="code-block" tabIndex={0} aria-label="Request body">{pretty(detail.data.request_body)}</pre>
          : <p className="muted">The event has left the outbox; its body is no longer kept.</p>
      )}
      <h3 className="code-title">Response body <span className="muted small">(first 2 KiB)</span></h3>
      {d.response_body
        ? <pre className="code-block" tabIndex={0} aria-label="Response body">{pretty(d.response_body)}</pre>
        : <p className="muted">{d.status === 'pending' && d.attempt === 0 ? 'Not sent yet.' : 'Empty.'}</p>}
    </Dialog>
  );
}
