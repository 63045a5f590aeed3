-- The events stream (GET /events/stream) tails this outbox. Neither ids nor a sequence commit in
-- the order they are drawn, so a reader that remembers "the last one I saw" could skip a row that
-- commits after a later one. Each row records the transaction that wrote it; a reader takes only
-- rows of transactions older than every one still running (the snapshot's xmin), which can never
-- gain rows again, in (tx, seq) order. A long-running transaction delays the stream; it never
-- makes it skip.
ALTER TABLE events ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE events ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX events_stream ON events (tx, seq);

-- Where the stream stands now: every row of an older transaction is final.
CREATE FUNCTION event_stream_head() RETURNS text
  LANGUAGE sql STABLE
AS $$ SELECT pg_snapshot_xmin(pg_current_snapshot())::text $$;

-- A stream message's JSON: what the web app needs to know which object to refresh, never the
-- object itself (a client refetches it with its own credential).
CREATE FUNCTION event_stream_message(e events) RETURNS text
  LANGUAGE sql STABLE
AS $$
  SELECT row_to_json(m)::text FROM (
    SELECT e.id, e.type AS event, iso(e.created_at) AS timestamp,
           (SELECT row_to_json(d) FROM (
              SELECT e.object_type, e.object_id,
                     CASE WHEN e.object_type = 'project' THEN e.object_id ELSE e.data->>'project_id' END AS project_id,
                     -- report.* events are the project's (its history shows them); data is the report.
                     CASE WHEN e.type LIKE 'report.%' THEN e.data->>'id' END AS report_id,
                     (SELECT row_to_json(a) FROM (SELECT e.actor_type AS type, e.actor_id AS id) a) AS actor,
                     (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(e.changes) k) AS changed
           ) d) AS data
  ) m
$$;

-- One query for every stream of this process: the final rows after (p_tx, p_seq) of the tenants
-- that have streams open, of the streamed types. Across tenants, hence SECURITY DEFINER (like
-- webhook_claim); it returns only what a stream message carries, never the object data.
CREATE FUNCTION event_stream_after(p_tx xid8, p_seq bigint, p_tenants text[], p_types text[], p_limit integer)
  RETURNS TABLE (tenant_id text, id text, type text, tx text, seq bigint, message text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT e.tenant_id, e.id, e.type, e.tx::text, e.seq, event_stream_message(e)
    FROM events e
   WHERE (e.tx, e.seq) > (p_tx, p_seq)
     AND e.tx < pg_snapshot_xmin(pg_current_snapshot())
     AND e.tenant_id = ANY(p_tenants)
     AND e.type = ANY(p_types)
   ORDER BY e.tx, e.seq
   LIMIT p_limit
$$;
