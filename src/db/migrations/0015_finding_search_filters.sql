-- Full-text search with the list's other filters applied in the same index lookup. Under row-level
-- security `@@` may not use the GIN index (it is not LEAKPROOF), so the rare-word plan and the
-- total of a search are owner-run lookups for the current tenant, as finding_search_ids is
-- (0001_init.sql). That one returned every matching id, and the filters and the sort were applied
-- to them afterwards: a common word with a date or tag filter visited all its matches twice
-- (~8 µs each). These take the filters too, so the planner combines the GIN index with the
-- severity, status, project and date indexes (a BitmapAnd) and visits only the rows that survive,
-- and the page's lookup sorts and cuts them there. The statement is built with only the
-- conditions given and planned with their values (EXECUTE … USING: no value is ever spliced into
-- its text), and the tenant condition is the policy's own.

-- The conditions for the given filters, over $1 … $10 of the two functions below.
CREATE FUNCTION finding_filter_sql(
  severities text[], statuses text[], project text, asset text, tags text[], cwe text,
  created_from timestamptz, created_before timestamptz, updated_from timestamptz
) RETURNS text LANGUAGE sql IMMUTABLE
AS $$
  SELECT concat_ws(' AND ', 'f.tenant_id = tenant_setting()', 'f.search @@ $1',
    CASE WHEN severities IS NOT NULL THEN 'f.severity = ANY($2)' END,
    CASE WHEN statuses IS NOT NULL THEN 'f.status = ANY($3)' END,
    CASE WHEN project IS NOT NULL THEN 'f.project_id = $4' END,
    CASE WHEN asset IS NOT NULL THEN 'EXISTS (SELECT 1 FROM finding_assets fa WHERE fa.tenant_id = f.tenant_id AND fa.finding_id = f.id AND fa.asset_id = $5)' END,
    CASE WHEN tags IS NOT NULL THEN 'f.tags @> $6' END,
    CASE WHEN cwe IS NOT NULL THEN 'f.cwe = $7' END,
    CASE WHEN created_from IS NOT NULL THEN 'f.created_at >= $8' END,
    CASE WHEN created_before IS NOT NULL THEN 'f.created_at < $9' END,
    CASE WHEN updated_from IS NOT NULL THEN 'f.updated_at >= $10' END)
$$;
REVOKE ALL ON FUNCTION finding_filter_sql(text[], text[], text, text, text[], text, timestamptz, timestamptz, timestamptz) FROM PUBLIC;

-- The exact number of the current tenant's findings matching q and the filters.
CREATE FUNCTION finding_search_total(
  q tsquery, severities text[], statuses text[], project text, asset text, tags text[], cwe text,
  created_from timestamptz, created_before timestamptz, updated_from timestamptz
) RETURNS bigint LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public
AS $$
DECLARE n bigint;
BEGIN
  EXECUTE 'SELECT count(*) FROM findings f WHERE '
          || finding_filter_sql(severities, statuses, project, asset, tags, cwe, created_from, created_before, updated_from)
    INTO n USING q, severities, statuses, project, asset, tags, cwe, created_from, created_before, updated_from;
  RETURN n;
END $$;
REVOKE ALL ON FUNCTION finding_search_total(tsquery, text[], text[], text, text, text[], text, timestamptz, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION finding_search_total(tsquery, text[], text[], text, text, text[], text, timestamptz, timestamptz, timestamptz) TO neuro_app;

-- The ids of the first `reach` matches in the list's order (a whitelisted sort, both directions,
-- ties by id as the list breaks them), after the cursor `after_id` when given (a keyset page). The
-- list joins them back under row-level security and renders only those.
CREATE FUNCTION finding_search_page(
  q tsquery, severities text[], statuses text[], project text, asset text, tags text[], cwe text,
  created_from timestamptz, created_before timestamptz, updated_from timestamptz,
  sort text, descending boolean, reach integer, after_id text
) RETURNS SETOF text LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public ROWS 50
AS $$
DECLARE
  k text := CASE sort WHEN 'created_at' THEN 'f.created_at' WHEN 'updated_at' THEN 'f.updated_at'
                      WHEN 'severity' THEN 'f.severity_rank' WHEN 'cvss_score' THEN 'f.cvss_key'
                      WHEN 'title' THEN 'lower(f.title)' WHEN 'status' THEN 'f.status_rank' END;
  dir text := CASE WHEN descending THEN 'DESC NULLS LAST' ELSE 'ASC NULLS FIRST' END;
  w text := finding_filter_sql(severities, statuses, project, asset, tags, cwe, created_from, created_before, updated_from);
BEGIN
  IF k IS NULL THEN RAISE EXCEPTION 'finding_search_page: unknown sort %', sort; END IF;
  IF after_id IS NOT NULL THEN
    w := w || format(' AND (%s, f.id) %s (SELECT %s, f.id FROM findings f WHERE f.tenant_id = tenant_setting() AND f.id = $11)',
                     k, CASE WHEN descending THEN '<' ELSE '>' END, k);
  END IF;
  -- The matches first, then the first of them in order: the list asks for the lookup when the
  -- matches are few or cluster in the order, where walking the sort's index would pass them by.
  RETURN QUERY EXECUTE format('WITH m AS MATERIALIZED (SELECT f.id, %s AS k FROM findings f WHERE %s)
                               SELECT m.id FROM m ORDER BY m.k %s, m.id %s LIMIT $12',
                              k, w, dir, CASE WHEN descending THEN 'DESC' ELSE 'ASC' END)
    USING q, severities, statuses, project, asset, tags, cwe, created_from, created_before, updated_from, after_id, reach;
END $$;
REVOKE ALL ON FUNCTION finding_search_page(tsquery, text[], text[], text, text, text[], text, timestamptz, timestamptz, timestamptz, text, boolean, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION finding_search_page(tsquery, text[], text[], text, text, text[], text, timestamptz, timestamptz, timestamptz, text, boolean, integer, text) TO neuro_app;

-- The tags ride along in the sort indexes too (0011 has the other filters' columns there): a list
-- filtered by tag, its walk to a deep page and its count over a date range then read the index
-- alone instead of visiting each row to test its tags (a tag is on a tenth of the findings or
-- fewer, so a page of them is many rows apart).
CREATE INDEX findings_created_tagged ON findings (tenant_id, created_at DESC NULLS LAST, id DESC)
  INCLUDE (severity, status, project_id, tags);
DROP INDEX findings_created_covering;
CREATE INDEX findings_rank_tagged ON findings (tenant_id, severity_rank DESC NULLS LAST, id DESC)
  INCLUDE (severity, status, project_id, created_at, tags);
DROP INDEX findings_rank_covering;
CREATE INDEX findings_updated_tagged ON findings (tenant_id, updated_at DESC NULLS LAST, id DESC)
  INCLUDE (severity, status, project_id, created_at, tags);
DROP INDEX findings_updated;
CREATE INDEX findings_cvss_tagged ON findings (tenant_id, cvss_key DESC NULLS LAST, id DESC)
  INCLUDE (severity, status, project_id, created_at, tags);
DROP INDEX findings_cvss;
CREATE INDEX findings_status_tagged ON findings (tenant_id, status_rank DESC NULLS LAST, id DESC)
  INCLUDE (severity, status, project_id, created_at, tags);
DROP INDEX findings_status_order;
CREATE INDEX findings_title_tagged ON findings (tenant_id, lower(title) DESC NULLS LAST, id DESC)
  INCLUDE (title, severity, status, project_id, created_at, tags);
DROP INDEX findings_title;

-- What these replace: the lookup that returned every match (0001) and its bare count (0012).
DROP FUNCTION finding_search_ids(tsquery);
DROP FUNCTION finding_search_count(tsquery);
