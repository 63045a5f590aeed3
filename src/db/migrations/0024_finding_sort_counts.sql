-- Exact finding counts by CVSS score (sort 'c', key the stored cvss_key) and by week of the last
-- update (sort 'm', key the Monday of updated_at in UTC, as days since 1970-01-01), with severity
-- and status, kept in the transaction of every change by statement-level triggers, as
-- finding_weeks is (0016), with the same slots per connection and the same fixed order of rows.
--
-- They let a deep page in CVSS or update order skip ahead, as finding_weeks and finding_counts
-- do for the creation, severity and status orders: the groups before the page's group are summed
-- to find the group the page starts in and how many rows come before it, and the page is read from
-- there. sort=cvss_score&page=379 (18,900 rows before it) walked the score index to the offset,
-- ~20 ms at 100,000 findings and ten times that at a million.
CREATE TABLE finding_sort_counts (
  tenant_id text NOT NULL,
  sort      "char" NOT NULL CHECK (sort IN ('c', 'm')),
  key       bigint NOT NULL,
  severity  text NOT NULL,
  status    text NOT NULL,
  slot      smallint NOT NULL,
  n         bigint NOT NULL,
  PRIMARY KEY (tenant_id, sort, key, severity, status, slot)
);
SELECT isolate_tenant_table('finding_sort_counts');
-- The owner fills it below for the findings there are, whichever tenant they belong to, and a
-- cascade from deleting a tenant (no tenant set) takes its rows away.
DO $$
BEGIN
  EXECUTE format('CREATE POLICY backfill ON finding_sort_counts FOR ALL TO %I USING (true) WITH CHECK (true)', current_user);
END $$;

-- A finding's keys for the counters.
CREATE FUNCTION finding_sort_keys(cvss_key smallint, updated_at timestamptz) RETURNS TABLE (sort "char", key bigint)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ VALUES ('c'::"char", cvss_key::bigint), ('m'::"char", (finding_week(updated_at) - DATE '1970-01-01')::bigint) $$;

CREATE FUNCTION finding_sort_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO finding_sort_counts AS c (tenant_id, sort, key, severity, status, slot, n)
      SELECT r.tenant_id, k.sort, k.key, r.severity, r.status, (pg_backend_pid() % 16)::smallint, count(*)
        FROM new_rows r, finding_sort_keys(r.cvss_key, r.updated_at) k GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_id, sort, key, severity, status, slot) DO UPDATE SET n = c.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO finding_sort_counts AS c (tenant_id, sort, key, severity, status, slot, n)
      SELECT r.tenant_id, k.sort, k.key, r.severity, r.status, (pg_backend_pid() % 16)::smallint, -count(*)
        FROM old_rows r, finding_sort_keys(r.cvss_key, r.updated_at) k GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_id, sort, key, severity, status, slot) DO UPDATE SET n = c.n + excluded.n;
  ELSE
    -- The difference: an update within the week that keeps the score, severity and status writes
    -- nothing.
    INSERT INTO finding_sort_counts AS c (tenant_id, sort, key, severity, status, slot, n)
      SELECT d.tenant_id, d.sort, d.key, d.severity, d.status, (pg_backend_pid() % 16)::smallint, sum(d.k)
        FROM (SELECT r.tenant_id, x.sort, x.key, r.severity, r.status, -1 AS k
                FROM old_rows r, finding_sort_keys(r.cvss_key, r.updated_at) x
              UNION ALL
              SELECT r.tenant_id, x.sort, x.key, r.severity, r.status, 1
                FROM new_rows r, finding_sort_keys(r.cvss_key, r.updated_at) x) d
       GROUP BY 1, 2, 3, 4, 5 HAVING sum(d.k) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_id, sort, key, severity, status, slot) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER finding_sort_counts_ins AFTER INSERT ON findings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_sort_counts_apply();
CREATE TRIGGER finding_sort_counts_upd AFTER UPDATE ON findings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_sort_counts_apply();
CREATE TRIGGER finding_sort_counts_del AFTER DELETE ON findings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_sort_counts_apply();

INSERT INTO finding_sort_counts (tenant_id, sort, key, severity, status, slot, n)
  SELECT f.tenant_id, k.sort, k.key, f.severity, f.status, -1, count(*)
    FROM findings f, finding_sort_keys(f.cvss_key, f.updated_at) k GROUP BY 1, 2, 3, 4, 5;

-- The folder's first round folds these slots too.
CREATE OR REPLACE FUNCTION finding_counter_unfolded() RETURNS SETOF text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT tenant_id FROM finding_counts WHERE slot <> -1
  UNION SELECT tenant_id FROM finding_terms WHERE slot <> -1
  UNION SELECT tenant_id FROM finding_weeks WHERE slot <> -1
  UNION SELECT tenant_id FROM finding_word_bits WHERE slot <> -1
  UNION SELECT tenant_id FROM finding_sort_counts WHERE slot <> -1
$$;
