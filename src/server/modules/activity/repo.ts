import { oneOf, type ListSpec } from '../../lib/list.js';
import { historyOf } from '../events/repo.js';

/**
 * The tenant's activity: the same entries as each object's history (events/repo.ts), across all
 * objects, with the object's name as it was at the event (its title or name in the event's data),
 * so a feed can say what changed without fetching each object.
 */
export function activityOf(eventTypes: readonly string[], objectTypes: readonly string[]): ListSpec {
  const history = historyOf(eventTypes);
  return {
    ...history,
    json: `(${history.json}::jsonb || jsonb_build_object('object_name', coalesce(e.data->>'title', e.data->>'name')))`,
    filters: { ...history.filters, object_type: oneOf('object_type', 'object_type', objectTypes) },
  };
}
