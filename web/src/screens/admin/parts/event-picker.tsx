import { useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client';
import { unwrap } from '../../../api/errors';
import { ErrorState, Spinner } from '../../../ui/feedback';

// Sent only by the Send test button, never subscribable (the catalog lists it for receivers' sake).
const NOT_SUBSCRIBABLE = new Set(['webhook.test']);

const words = (s: string) => s.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

/** The event catalog (GET /webhooks/events) as checkboxes grouped by object type, plus “All events”. */
export function EventPicker({ value, onChange, error }: { value: string[]; onChange: (v: string[]) => void; error?: string }) {
  const catalog = useQuery({
    queryKey: ['webhooks', 'events'],
    queryFn: async () => (await unwrap(api.GET('/webhooks/events'))).data,
    staleTime: 10 * 60_000,
  });
  const all = value.includes('*');
  const set = new Set(value);
  const toggle = (type: string) => {
    const next = new Set(set);
    if (next.has(type)) next.delete(type);
    else next.add(type);
    onChange([...next]);
  };
  const groups = new Map<string, { type: string; description: string }[]>();
  for (const e of catalog.data ?? []) {
    if (NOT_SUBSCRIBABLE.has(e.type)) continue;
    const object = e.type.split('.')[0]!;
    groups.set(object, [...(groups.get(object) ?? []), e]);
  }
  return (
    <fieldset className={`event-picker ${error ? 'field-invalid' : ''}`}>
      <legend>Events</legend>
      <label className="check event-all">
        <input type="checkbox" checked={all} onChange={() => onChange(all ? [] : ['*'])} />
        <span><strong>All events</strong> <span className="muted">— including event types added later</span></span>
      </label>
      {catalog.error ? <ErrorState error={catalog.error} retry={() => void catalog.refetch()} /> : !catalog.data ? <Spinner label="Loading the event types…" /> : (
        <div className="event-groups">
          {[...groups].map(([object, events]) => {
            const on = events.filter((e) => set.has(e.type)).length;
            return (
              <fieldset key={object} className="event-group" disabled={all}>
                <legend>
                  {words(object)} <span className="muted small">{all ? 'all' : `${on} of ${events.length}`}</span>
                </legend>
                {events.map((e) => (
                  <label key={e.type} className="check" title={e.description}>
                    <input type="checkbox" checked={all || set.has(e.type)} onChange={() => toggle(e.type)} />
                    <span className="mono small">{e.type}</span>
                  </label>
                ))}
              </fieldset>
            );
          })}
        </div>
      )}
      {error && <div className="field-error" role="alert">{error}</div>}
    </fieldset>
  );
}
