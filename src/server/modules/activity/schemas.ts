import { Type } from 'typebox';
import { FilterString, ListQuerySchema, Nullable } from '../../lib/schemas.js';
import { HistoryEntry } from '../events/schemas.js';

export const ActivityEntry = Type.Object({
  ...HistoryEntry.properties,
  object_name: Nullable(Type.String({ description: "The object's title or name as the event recorded it" })),
});

export const ActivityQuery = ListQuerySchema(['created_at'], {
  object_type: FilterString('Only events about these object types (comma-separated), among those you may read'),
  type: FilterString('Only these event types (comma-separated)'),
  created_after: FilterString('ISO 8601 date or date-time'),
  created_before: FilterString('ISO 8601 date or date-time'),
});
