/**
 * The event types webhooks can subscribe to. The database's webhook_event_type() (migration
 * 0004) matches the same set; webhook.test only ever goes to the webhook being tested.
 */
export const EVENT_CATALOG = [
  { type: 'client.created', description: 'A client was created.' },
  { type: 'client.updated', description: 'A client was changed; `changes` lists the fields with old and new values.' },
  { type: 'client.deleted', description: 'A client was deleted; `data` is its last state.' },
  { type: 'project.created', description: 'A project was created.' },
  { type: 'project.updated', description: 'A project was changed; `changes` lists the fields with old and new values.' },
  { type: 'project.deleted', description: 'A project was deleted, with its findings and assets; `data` is its last state.' },
  { type: 'finding.created', description: 'A finding was added.' },
  { type: 'finding.updated', description: 'A finding was modified; `changes` lists the fields with old and new values.' },
  { type: 'finding.status_changed', description: "A finding's status moved (sent in addition to finding.updated)." },
  { type: 'finding.deleted', description: 'A finding was removed; `data` is its last state.' },
  { type: 'asset.created', description: 'An asset was added to a project.' },
  { type: 'asset.updated', description: 'An asset was changed; `changes` lists the fields with old and new values.' },
  { type: 'asset.deleted', description: 'An asset was removed; `data` is its last state.' },
  { type: 'report.generated', description: 'A report was generated and can be downloaded.' },
  { type: 'report.failed', description: 'A report could not be generated.' },
  { type: 'webhook.test', description: 'Sent by POST /webhooks/{id}/test to check a receiver.' },
] as const;

export type EventType = (typeof EVENT_CATALOG)[number]['type'];

export const EVENT_TYPES: readonly string[] = EVENT_CATALOG.map((e) => e.type);

/** Types a webhook may list in `events` (besides `*`): all but webhook.test, which needs no subscription. */
export const SUBSCRIBABLE_TYPES: readonly string[] = EVENT_TYPES.filter((t) => t !== 'webhook.test');
