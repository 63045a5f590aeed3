-- One index per whitelisted finding sort (modules/findings/repo.ts), tenant first, in the order the
-- list reads (`DESC NULLS LAST, id DESC`, or that backwards): a page, and a keyset (`after`) page,
-- is then read off the index instead of sorting every matching row. created_at and severity have
-- theirs (0001_init.sql).
--
-- Status and score sort by stored keys, as severity does by severity_rank: a keyset condition on a
-- plain column is one row comparison the index answers, where on an expression it is a bound
-- plus a filter over every row tied with the cursor's (a status shares its value with a third of
-- the findings). The score's key is the score in tenths, as smallint: numeric's comparisons are not
-- LEAKPROOF, so under row-level security an index could not answer a bound on a numeric key. A
-- finding without a score sorts after every score going down and before them going up, which -1
-- does too, so the key is never null.
ALTER TABLE findings
  ADD COLUMN status_rank smallint GENERATED ALWAYS AS (
    CASE status WHEN 'Open' THEN 1 WHEN 'Confirmed' THEN 2 WHEN 'Remediated' THEN 3 WHEN 'Verified' THEN 4
                WHEN 'Accepted Risk' THEN 5 ELSE 6 END) STORED,
  ADD COLUMN cvss_key smallint GENERATED ALWAYS AS (coalesce((cvss_score * 10)::smallint, -1)) STORED;

-- The filters' columns ride along (INCLUDE), so a page deep in a filtered list is skipped to in the
-- index alone (an index-only scan) instead of visiting each row it passes. The creation-time and
-- severity indexes of 0001 are replaced by such covering ones.
CREATE INDEX findings_created_covering ON findings (tenant_id, created_at DESC NULLS LAST, id DESC)
  INCLUDE (severity, status, project_id);
DROP INDEX findings_created;
CREATE INDEX findings_rank_covering ON findings (tenant_id, severity_rank DESC NULLS LAST, id DESC)
  INCLUDE (severity, status, project_id, created_at);
DROP INDEX findings_rank;
CREATE INDEX findings_updated ON findings (tenant_id, updated_at DESC NULLS LAST, id DESC)
  INCLUDE (severity, status, project_id, created_at);
CREATE INDEX findings_cvss ON findings (tenant_id, cvss_key DESC NULLS LAST, id DESC)
  INCLUDE (severity, status, project_id, created_at);
CREATE INDEX findings_status_order ON findings (tenant_id, status_rank DESC NULLS LAST, id DESC)
  INCLUDE (severity, status, project_id, created_at);
-- Titles rarely tie, so the expression's keyset filter only ever skips a few rows. The title itself
-- is included: the planner reads an expression off an index only if its column is there too.
CREATE INDEX findings_title ON findings (tenant_id, lower(title) DESC NULLS LAST, id DESC)
  INCLUDE (title, severity, status, project_id, created_at);
