import { Type } from 'typebox';
import { FilterString, ListQuerySchema, Nullable, StringEnum, Timestamp } from '../../lib/schemas.js';

export const EventTypeInfo = Type.Object({ type: Type.String({ examples: ['finding.created'] }), description: Type.String() });

const Change = Type.Object({ old: Type.Unknown(), new: Type.Unknown() });

export const HistoryEntry = Type.Object({
  id: Type.String({ examples: ['evt_01jd3k8m2q0000000000000000'] }),
  type: Type.String({ examples: ['finding.updated'] }),
  object_type: Type.String(),
  object_id: Type.String(),
  actor: Type.Object({
    type: StringEnum(['user', 'service_account', 'system', 'anonymous'] as const),
    id: Nullable(Type.String()),
    name: Nullable(Type.String()),
  }),
  credential_id: Nullable(Type.String({ description: 'The token the change was made with' })),
  changes: Nullable(Type.Record(Type.String(), Change, { description: 'For updates: each changed field with its old and new value' })),
  created_at: Timestamp,
});

export const HistoryQuery = ListQuerySchema(['created_at'], {
  type: FilterString('Only these event types (comma-separated)'),
  created_after: FilterString('ISO 8601 date or date-time'),
  created_before: FilterString('ISO 8601 date or date-time'),
});

export const StreamQuery = Type.Object({
  last_event_id: Type.Optional(Type.String({
    maxLength: 64, description: 'Resume after this event, as the Last-Event-ID header does (for EventSource polyfills that cannot send headers)',
  })),
});

export const StreamHeaders = Type.Object({
  'last-event-id': Type.Optional(Type.String({ maxLength: 64, description: 'Resume after this event: its later events are sent first (at most the last 1,000 of the last 24 hours)' })),
});

export const EVENT_STREAM_DESCRIPTION =
  'Server-Sent Events, one per change the caller may read (each type needs the read scope of its object: `findings:read` for ' +
  '`finding.*`, `reports:read` for `report.*`, …). Each message is `id: <event id>`, `event: <type>` and `data:` a JSON object ' +
  '`{"id","event","timestamp","data":{"object_type","object_id","project_id","report_id","actor":{"type","id"},"changed"}}` ' +
  '(`changed`: the names of the fields an update changed, else null). A comment `: ping` comes every 15 s. Send the last id ' +
  'you got as `Last-Event-ID` (or `last_event_id`) to receive what you missed (at most the last 1,000 events of the last 24 ' +
  'hours) before the live ones; without it the stream starts now. At most 10 streams per credential (429 beyond).';
