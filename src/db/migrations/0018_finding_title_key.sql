-- The title order's key stored, as the other sorts' keys are (0011): under row-level security a
-- condition that calls lower() (not LEAKPROOF) is tested only after the policy's, so a keyset
-- page in title order (`after`) could not start at its cursor in the index: it walked every entry
-- before it (80,000 at 100,000 findings, 65 ms; 690 ms at a million). A bound on a plain text column
-- is one the index answers (text's comparisons are LEAKPROOF). The index no longer carries the
-- title itself, which the order's key was computed from.
ALTER TABLE findings ADD COLUMN title_key text GENERATED ALWAYS AS (lower(title)) STORED;
CREATE INDEX findings_title_key ON findings (tenant_id, title_key DESC NULLS LAST, id DESC)
  INCLUDE (severity, status, project_id, created_at, tags);
DROP INDEX findings_title_tagged;

-- The search's owner-run lookup (finding_search_page, 0015) keeps lower(title): it sorts the
-- matches it found, with no index and no policy in the way, and lower(title) is title_key.
