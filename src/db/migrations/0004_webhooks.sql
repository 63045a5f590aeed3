-- Webhooks: subscriptions, and one delivery row per (event, webhook) written by a trigger on
-- events in the same transaction as the change itself (the transactional outbox). A dispatcher
-- claims due deliveries across tenants through webhook_claim(), a SECURITY DEFINER function, and
-- records each attempt's result through the ordinary tenant path.

-- `dlv_…` ids made in SQL, in the same shape as src/server/lib/ids.ts: 10 characters of
-- millisecond time then 16 random, Crockford base32, so they sort by creation time.
CREATE FUNCTION new_id(prefix text) RETURNS text
  LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  alphabet constant text := '0123456789abcdefghjkmnpqrstvwxyz';
  t bigint := floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint;
  out text := '';
BEGIN
  FOR i IN 1..10 LOOP
    out := substr(alphabet, (t % 32)::int + 1, 1) || out;
    t := t / 32;
  END LOOP;
  FOR i IN 1..16 LOOP
    out := out || substr(alphabet, floor(random() * 32)::int + 1, 1);
  END LOOP;
  RETURN prefix || '_' || out;
END $$;

-- The fields of an update that changed, as {"field": {"old": …, "new": …}}; timestamps are not changes.
CREATE FUNCTION json_changes(old jsonb, new jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT coalesce(jsonb_object_agg(k, jsonb_build_object('old', old -> k, 'new', new -> k)), '{}'::jsonb)
    FROM jsonb_object_keys(new) AS k
   WHERE k NOT IN ('created_at', 'updated_at') AND (old -> k) IS DISTINCT FROM (new -> k)
$$;

CREATE TABLE webhooks (
  tenant_id          text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id                 text NOT NULL,
  url                text NOT NULL,
  -- Event types, or '*' for every type of the catalog.
  events             text[] NOT NULL,
  description        text,
  active             boolean NOT NULL DEFAULT true,
  -- Signing secrets, encrypted with a key derived from the server secret (AES-256-GCM).
  secret_enc         text NOT NULL,
  -- After a rotation the old secret still signs, beside the new one, until this time.
  previous_secret_enc text,
  previous_expires_at timestamptz,
  -- Why the dispatcher turned it off (410 Gone, failing for days), shown to its owner.
  disabled_reason    text,
  disabled_at        timestamptz,
  -- The first failure since the last success.
  failing_since      timestamptz,
  -- The dispatcher instance working on this webhook's queue, and until when (renewed per attempt).
  lease_owner        text,
  lease_until        timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX webhooks_created ON webhooks (tenant_id, created_at DESC, id DESC);
CREATE INDEX webhooks_active ON webhooks (tenant_id) WHERE active;

CREATE TABLE webhook_deliveries (
  tenant_id       text NOT NULL,
  id              text NOT NULL,
  webhook_id      text NOT NULL,
  event_id        text NOT NULL,
  event_type      text NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  duration_ms     integer,
  response_status integer,
  -- The first 2 KiB of the receiver's answer.
  response_body   text,
  error           text,
  redelivery_of   text,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhooks (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_list ON webhook_deliveries (tenant_id, webhook_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (tenant_id, webhook_id, created_at, id)
  WHERE status = 'pending';

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['webhooks', 'webhook_deliveries'] LOOP
    PERFORM isolate_tenant_table(t);
  END LOOP;
  -- Only the owner role (running webhook_claim) reads and leases across tenants.
  EXECUTE format('CREATE POLICY dispatcher ON webhooks FOR ALL TO %I USING (true) WITH CHECK (true)', current_user);
  EXECUTE format('CREATE POLICY dispatcher ON webhook_deliveries FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY dispatcher ON events FOR SELECT TO %I USING (true)', current_user);
END $$;

-- The event types webhooks can subscribe to (the catalog); webhook.test goes only to the webhook
-- tested, and security events (logins, tokens) stay in the audit log.
CREATE FUNCTION webhook_event_type(t text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT t ~ '^((client|project|finding|asset)\.(created|updated|deleted)|finding\.status_changed|report\.(generated|failed))$'
$$;

-- The outbox fan-out: runs in the transaction of the change, as the application role, so RLS
-- limits it to the tenant's own webhooks.
CREATE FUNCTION events_fan_out() RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  -- The id takes the event's time part (ids.ts shape) and 64 random bits in hex (hex digits are
  -- in the same alphabet): several times cheaper than new_id() on the path of every write.
  INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_id, event_type, next_attempt_at)
    SELECT NEW.tenant_id, 'dlv_' || substr(NEW.id, 5, 10) || substr(md5(random()::text || w.id), 1, 16),
           w.id, NEW.id, NEW.type, clock_timestamp()
      FROM webhooks w
     WHERE w.tenant_id = NEW.tenant_id AND w.active AND (w.events @> ARRAY[NEW.type] OR w.events @> ARRAY['*']);
  RETURN NULL;
END $$;

CREATE TRIGGER events_fan_out AFTER INSERT ON events
  FOR EACH ROW WHEN (webhook_event_type(NEW.type)) EXECUTE FUNCTION events_fan_out();

-- Claims up to p_hooks webhooks that have due deliveries and no live lease (SKIP LOCKED, so
-- instances running side by side never take the same webhook), leases them to p_owner, and
-- returns up to p_batch due deliveries of each, oldest first, with the signed body's parts.
CREATE FUNCTION webhook_claim(p_owner text, p_lease_ms integer, p_hooks integer, p_batch integer)
  RETURNS TABLE (tenant_id text, webhook_id text, url text, secret_enc text, previous_secret_enc text,
                 delivery_id text, attempts integer, event_id text, body text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public
AS $$
BEGIN
  RETURN QUERY
  WITH due AS (
    SELECT w.tenant_id, w.id FROM webhooks w
     WHERE w.active AND (w.lease_until IS NULL OR w.lease_until < clock_timestamp())
       AND EXISTS (SELECT 1 FROM webhook_deliveries d
                    WHERE d.tenant_id = w.tenant_id AND d.webhook_id = w.id AND d.status = 'pending'
                      AND d.next_attempt_at <= clock_timestamp())
     ORDER BY w.lease_until NULLS FIRST
     LIMIT p_hooks
     -- NO KEY UPDATE: writers inserting deliveries hold KEY SHARE on the webhook row (the foreign
     -- key), which FOR UPDATE would wait for, or with SKIP LOCKED skip, for as long as writes go on.
     FOR NO KEY UPDATE SKIP LOCKED
  ), leased AS (
    UPDATE webhooks w
       SET lease_owner = p_owner, lease_until = clock_timestamp() + make_interval(secs => p_lease_ms / 1000.0)
      FROM due WHERE w.tenant_id = due.tenant_id AND w.id = due.id
    RETURNING w.tenant_id, w.id, w.url, w.secret_enc,
              CASE WHEN w.previous_expires_at > clock_timestamp() THEN w.previous_secret_enc END AS previous_secret_enc
  )
  SELECT l.tenant_id, l.id, l.url, l.secret_enc, l.previous_secret_enc, d.id, d.attempts, e.id,
         json_build_object('id', e.id, 'event', e.type, 'timestamp', iso(e.created_at), 'tenant', e.tenant_id,
                           'data', e.data)::text
    FROM leased l
    CROSS JOIN LATERAL (
      SELECT x.id, x.attempts, x.event_id, x.created_at FROM webhook_deliveries x
       WHERE x.tenant_id = l.tenant_id AND x.webhook_id = l.id AND x.status = 'pending'
         AND x.next_attempt_at <= clock_timestamp()
       ORDER BY x.created_at, x.id
       LIMIT p_batch) d
    JOIN events e ON e.tenant_id = l.tenant_id AND e.id = d.event_id
   ORDER BY l.tenant_id, l.id, d.created_at, d.id;
END $$;
REVOKE ALL ON FUNCTION webhook_claim(text, integer, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION webhook_claim(text, integer, integer, integer) TO neuro_app;
