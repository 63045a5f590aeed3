-- Exact finding counts per week of creation (UTC, weeks starting on Monday), severity and status,
-- for all findings (tag '') and for those of each tag, kept in the transaction of every change by
-- statement-level triggers, as finding_counts is (0001_init.sql), with the same slots per
-- connection and the same fixed order of rows.
--
-- Two things read them. The total of a list filtered by creation dates (and by one tag or not):
-- the weeks inside the range are a sum over their rows, and only the rows of the two weeks at its
-- ends are counted one by one (a range of a year with a tag was a count of 700,000 index entries
-- at a million findings). And a deep page of the list in creation order: the weeks before the
-- page's week are summed to find the week the page starts in and how many rows come before it, and
-- the page is read from there instead of walking past every row before it (page 10,000 walked
-- 500,000 index entries).
CREATE TABLE finding_weeks (
  tenant_id text NOT NULL,
  week      date NOT NULL,
  severity  text NOT NULL,
  status    text NOT NULL,
  tag       text NOT NULL,
  slot      smallint NOT NULL,
  n         bigint NOT NULL,
  PRIMARY KEY (tenant_id, tag, week, severity, status, slot)
);
SELECT isolate_tenant_table('finding_weeks');
-- The owner fills it below for the findings there are, whichever tenant they belong to, and a
-- cascade from deleting a tenant (no tenant set) takes its rows away.
DO $$
BEGIN
  EXECUTE format('CREATE POLICY backfill ON finding_weeks FOR ALL TO %I USING (true) WITH CHECK (true)', current_user);
END $$;

-- The Monday of a time's week, in UTC.
CREATE FUNCTION finding_week(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT date_trunc('week', t AT TIME ZONE 'UTC')::date $$;

-- A finding's tags for the counters: '' (every finding) and each of its tags once.
CREATE FUNCTION finding_week_tags(tags text[]) RETURNS SETOF text LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT '' UNION ALL SELECT DISTINCT t FROM unnest(tags) t WHERE t <> '' $$;

CREATE FUNCTION finding_weeks_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO finding_weeks AS c (tenant_id, tag, week, severity, status, slot, n)
      SELECT r.tenant_id, t, finding_week(r.created_at), r.severity, r.status, (pg_backend_pid() % 16)::smallint, count(*)
        FROM new_rows r, finding_week_tags(r.tags) t GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_id, tag, week, severity, status, slot) DO UPDATE SET n = c.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO finding_weeks AS c (tenant_id, tag, week, severity, status, slot, n)
      SELECT r.tenant_id, t, finding_week(r.created_at), r.severity, r.status, (pg_backend_pid() % 16)::smallint, -count(*)
        FROM old_rows r, finding_week_tags(r.tags) t GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_id, tag, week, severity, status, slot) DO UPDATE SET n = c.n + excluded.n;
  ELSE
    -- The difference: an update that keeps the severity, the status, the tags and the creation
    -- time writes nothing.
    INSERT INTO finding_weeks AS c (tenant_id, tag, week, severity, status, slot, n)
      SELECT d.tenant_id, d.tag, d.week, d.severity, d.status, (pg_backend_pid() % 16)::smallint, sum(d.k)
        FROM (SELECT r.tenant_id, t AS tag, finding_week(r.created_at) AS week, r.severity, r.status, -1 AS k
                FROM old_rows r, finding_week_tags(r.tags) t
              UNION ALL
              SELECT r.tenant_id, t, finding_week(r.created_at), r.severity, r.status, 1
                FROM new_rows r, finding_week_tags(r.tags) t) d
       GROUP BY 1, 2, 3, 4, 5 HAVING sum(d.k) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_id, tag, week, severity, status, slot) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER finding_weeks_ins AFTER INSERT ON findings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_weeks_apply();
CREATE TRIGGER finding_weeks_upd AFTER UPDATE ON findings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_weeks_apply();
CREATE TRIGGER finding_weeks_del AFTER DELETE ON findings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_weeks_apply();

INSERT INTO finding_weeks (tenant_id, tag, week, severity, status, slot, n)
  SELECT f.tenant_id, t, finding_week(f.created_at), f.severity, f.status, 0, count(*)
    FROM findings f, finding_week_tags(f.tags) t GROUP BY 1, 2, 3, 4, 5;
