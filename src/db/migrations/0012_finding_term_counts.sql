-- Exact counts of the findings holding each search term (a lexeme of `findings.search`, kind 'w')
-- and each tag (kind 't'), per severity and status, kept in the transaction of every change by
-- statement-level triggers, as finding_counts is (0001_init.sql): the total of a one-word search or
-- a one-tag filter, alone or with severity and status filters, is then a sum over a few rows however
-- many findings match, instead of a visit to each match. Each connection writes its own slot (of
-- 16, by backend pid), and one statement takes its rows in a fixed order, so writers neither queue
-- behind each other's commits nor deadlock.
CREATE TABLE finding_terms (
  tenant_id text NOT NULL,
  kind      "char" NOT NULL CHECK (kind IN ('w', 't')),
  term      text NOT NULL,
  severity  text NOT NULL,
  status    text NOT NULL,
  slot      smallint NOT NULL,
  n         bigint NOT NULL,
  PRIMARY KEY (tenant_id, kind, term, severity, status, slot)
);
SELECT isolate_tenant_table('finding_terms');
-- The owner fills it below for the findings there are, whichever tenant they belong to.
DO $$
BEGIN
  EXECUTE format('CREATE POLICY backfill ON finding_terms FOR ALL TO %I USING (true) WITH CHECK (true)', current_user);
END $$;

-- A finding's terms: each lexeme and each tag once.
CREATE FUNCTION finding_terms_of(search tsvector, tags text[]) RETURNS TABLE (kind "char", term text)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT 'w'::"char", l FROM unnest(tsvector_to_array(search)) l
        UNION ALL SELECT DISTINCT 't'::"char", t FROM unnest(tags) t $$;

CREATE FUNCTION finding_terms_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO finding_terms AS c (tenant_id, kind, term, severity, status, slot, n)
      SELECT r.tenant_id, x.kind, x.term, r.severity, r.status, (pg_backend_pid() % 16)::smallint, count(*)
        FROM new_rows r, finding_terms_of(r.search, r.tags) x
       GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_id, kind, term, severity, status, slot) DO UPDATE SET n = c.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO finding_terms AS c (tenant_id, kind, term, severity, status, slot, n)
      SELECT r.tenant_id, x.kind, x.term, r.severity, r.status, (pg_backend_pid() % 16)::smallint, -count(*)
        FROM old_rows r, finding_terms_of(r.search, r.tags) x
       GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_id, kind, term, severity, status, slot) DO UPDATE SET n = c.n + excluded.n;
  ELSE
    -- The difference: a row whose text, tags, severity and status stayed cancels out (a status
    -- change moves its terms from one group to another; a change of its CVE list writes nothing).
    INSERT INTO finding_terms AS c (tenant_id, kind, term, severity, status, slot, n)
      SELECT d.tenant_id, d.kind, d.term, d.severity, d.status, (pg_backend_pid() % 16)::smallint, sum(d.k)
        FROM (SELECT r.tenant_id, x.kind, x.term, r.severity, r.status, -1 AS k FROM old_rows r, finding_terms_of(r.search, r.tags) x
              UNION ALL
              SELECT r.tenant_id, x.kind, x.term, r.severity, r.status, 1 FROM new_rows r, finding_terms_of(r.search, r.tags) x) d
       GROUP BY 1, 2, 3, 4, 5 HAVING sum(d.k) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_id, kind, term, severity, status, slot) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER finding_terms_ins AFTER INSERT ON findings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_terms_apply();
CREATE TRIGGER finding_terms_upd AFTER UPDATE ON findings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_terms_apply();
CREATE TRIGGER finding_terms_del AFTER DELETE ON findings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_terms_apply();

INSERT INTO finding_terms (tenant_id, kind, term, severity, status, slot, n)
  SELECT f.tenant_id, x.kind, x.term, f.severity, f.status, 0, count(*)
    FROM findings f, finding_terms_of(f.search, f.tags) x
   GROUP BY 1, 2, 3, 4, 5;

-- The one lexeme of a query that is a single term ('session'), or NULL (operators, phrases, a
-- prefix or weight, no term at all): which queries finding_terms can count.
CREATE FUNCTION tsquery_single_lexeme(q tsquery) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN numnode(q) = 1 THEN replace(substring(q::text FROM '^''((?:[^'']|'''')*)''$'), '''''', '''') END $$;

-- The exact number of the current tenant's findings matching q, counted off the GIN index (the
-- same lookup as finding_search_ids, 0001_init.sql, without returning the ids).
CREATE FUNCTION finding_search_count(q tsquery) RETURNS bigint
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  AS $$ SELECT count(*) FROM findings f WHERE f.tenant_id = tenant_setting() AND f.search @@ q $$;
REVOKE ALL ON FUNCTION finding_search_count(tsquery) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION finding_search_count(tsquery) TO neuro_app;
