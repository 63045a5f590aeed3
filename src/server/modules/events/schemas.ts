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
