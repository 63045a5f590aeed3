import { useEffect, useState } from 'react';
import { queryClient } from './query';

/**
 * The tenant's events, live (GET /api/v1/events/stream, Server-Sent Events from the events
 * outbox: `event:` the type, `data:` {id, event, timestamp, data: {object_type, object_id,
 * project_id, report_id, actor: {type, id}, changed}}). Each event refreshes the queries of its object type's collection, and is passed on as
 * a `neuro:event` DOM event to screens that must react to it (the finding editor's conflict
 * choice). EventSource reconnects by itself and resumes with Last-Event-ID.
 */
export interface LiveEvent {
  id: string;
  type: string;
  objectType: string;
  objectId?: string;
  actorId?: string;
  data: Record<string, unknown>;
}

const COLLECTIONS: Record<string, string[]> = {
  finding: ['findings', 'projects', 'dashboard', 'assets', 'history'],
  project: ['projects', 'dashboard', 'clients', 'history'],
  client: ['clients', 'projects', 'history'],
  asset: ['assets', 'findings', 'projects', 'history'],
  report: ['reports', 'projects', 'history'],
  user: ['users'],
  webhook: ['webhooks'],
};
const VERBS = ['created', 'updated', 'deleted', 'generated', 'failed', 'status_changed', 'restored'];

function parse(e: MessageEvent<string>): LiveEvent {
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(e.data) as Record<string, unknown>;
  } catch {
    // A comment or keep-alive: nothing to parse.
  }
  const data = (body.data ?? body) as Record<string, unknown>;
  const type = e.type === 'message' ? String(body.event ?? body.type ?? '') : e.type;
  const objectType = String(body.object_type ?? data.object_type ?? type.split('.')[0] ?? '');
  return {
    id: e.lastEventId,
    type,
    objectType,
    objectId: (body.object_id ?? data.object_id ?? data.id) as string | undefined,
    actorId: (data.actor as { id?: string } | null | undefined)?.id,
    data,
  };
}

export function useLiveUpdates(enabled: boolean) {
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/v1/events/stream');
    const onEvent = (e: Event) => {
      const event = parse(e as MessageEvent<string>);
      const collections = COLLECTIONS[event.objectType] ?? [];
      void queryClient.invalidateQueries({ predicate: (q) => collections.includes(String(q.queryKey[0])) });
      window.dispatchEvent(new CustomEvent<LiveEvent>('neuro:event', { detail: event }));
    };
    source.onmessage = onEvent;
    for (const type of Object.keys(COLLECTIONS)) for (const verb of VERBS) source.addEventListener(`${type}.${verb}`, onEvent);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    return () => source.close();
  }, [enabled]);
  return connected;
}

/** Calls `fn` for each live event while the component is mounted. */
export function useLiveEvent(fn: (e: LiveEvent) => void) {
  useEffect(() => {
    const listener = (e: Event) => fn((e as CustomEvent<LiveEvent>).detail);
    window.addEventListener('neuro:event', listener);
    return () => window.removeEventListener('neuro:event', listener);
  }, [fn]);
}
