import { Type } from 'typebox';
import { FilterString, ListQuerySchema, Nullable, StringEnum, Timestamp, BooleanFilter } from '../../lib/schemas.js';
import { DELIVERY_STATUSES } from './repo.js';

/** The webhook schemas; `events` takes `*` or the catalog's subscribable types (the modules' declarations). */
export function webhookSchemas(subscribable: readonly string[]) {
  const fields = {
    url: Type.String({ minLength: 1, maxLength: 2000, description: 'https (or http) URL of a public address' }),
    events: Type.Array(StringEnum(['*', ...subscribable]), {
      minItems: 1, maxItems: 50, uniqueItems: true, description: 'Event types to receive, or ["*"] for all',
    }),
    description: Nullable(Type.String({ maxLength: 1000 })),
    active: Type.Boolean({ description: 'Inactive webhooks receive nothing; setting it true clears disabled_reason' }),
  };

  const WebhookCreate = Type.Object(
    { url: fields.url, events: fields.events, description: Type.Optional(fields.description), active: Type.Optional(fields.active) },
    { additionalProperties: false },
  );

  const WebhookUpdate = Type.Object(Type.Partial(Type.Object(fields)).properties, { additionalProperties: false, minProperties: 1 });

  const Webhook = Type.Object({
    id: Type.String({ examples: ['wh_01jd3k8m2q0000000000000000'] }),
    ...fields,
    disabled_reason: Nullable(Type.String({ description: 'Why the server turned the webhook off (410 Gone, failing for 5 days)' })),
    disabled_at: Nullable(Timestamp),
    failing_since: Nullable(Timestamp),
    previous_secret_expires_at: Nullable({ ...Timestamp, description: 'Until then deliveries are signed with the old secret too' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  });

  const WebhookWithSecret = Type.Object({
    ...Webhook.properties,
    secret: Type.String({ description: 'Signing secret (whsec_…), shown only this once', examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] }),
  });
  return { WebhookCreate, WebhookUpdate, Webhook, WebhookWithSecret };
}

export const WebhookListQuery = ListQuerySchema(['created_at', 'updated_at'], { active: BooleanFilter('true or false') });

export const Delivery = Type.Object({
  id: Type.String({ examples: ['dlv_01jd3k8m2q0000000000000000'] }),
  webhook_id: Type.String(),
  event_id: Type.String({ description: 'Also the webhook-id header: the same on every attempt and redelivery' }),
  event: Type.String(),
  status: StringEnum(DELIVERY_STATUSES),
  attempt: Type.Integer({ description: 'Attempts made so far' }),
  attempted_at: Nullable(Timestamp),
  duration_ms: Nullable(Type.Integer()),
  response_status: Nullable(Type.Integer()),
  response_body: Nullable(Type.String({ description: 'The first 2 KiB of the answer' })),
  error: Nullable(Type.String()),
  next_attempt_at: Nullable(Timestamp),
  redelivery_of: Nullable(Type.String()),
  created_at: Timestamp,
});

export const DeliveryDetail = Type.Object({
  ...Delivery.properties,
  request_body: Nullable(Type.String({ description: 'The JSON body sent (the same on every attempt); null once the event has left the outbox' })),
});

export const DeliveryListQuery = ListQuerySchema(['created_at'], {
  status: FilterString('One or more of pending, succeeded, failed (comma-separated)'),
  event: FilterString('Only deliveries of this event type'),
  event_id: FilterString('Only deliveries of this event'),
});

export const DeliveryParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  delivery_id: Type.String({ minLength: 1, maxLength: 64 }),
});
