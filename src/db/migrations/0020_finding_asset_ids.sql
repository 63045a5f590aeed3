-- A finding's asset links kept on the finding too, so rendering it reads one column instead of
-- looking its links up: the ARRAY subquery over finding_assets ran once per row of every page (an
-- index descent and a subplan each), and measured at 100,000 findings it was the largest part of
-- rendering a page: 2.5 → 1.4 ms for a page of 100, 0.96 → 0.74 ms for a page of 50.
--
-- finding_assets stays the links' table (the asset lists, the asset filter, the cascades). The
-- column follows it in the statement of every change: statement-level triggers set it from the
-- links of each finding whose links changed, where it differs. The server writes the column with
-- the row (crud's insert and update) before it links, and links in one statement, so the triggers
-- find nothing to correct there; an asset's delete (its links cascade) is what they update.
-- Ordered by byte (COLLATE "C"), as the server sorts it.

ALTER TABLE findings ADD COLUMN asset_ids text[] NOT NULL DEFAULT '{}';

CREATE FUNCTION finding_asset_ids_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE findings f SET asset_ids = x.ids
    FROM (SELECT DISTINCT c.tenant_id, c.finding_id FROM changed_links c) c
         CROSS JOIN LATERAL (SELECT ARRAY(SELECT fa.asset_id FROM finding_assets fa
                                           WHERE fa.tenant_id = c.tenant_id AND fa.finding_id = c.finding_id
                                           ORDER BY fa.asset_id COLLATE "C") AS ids) x
   WHERE f.tenant_id = c.tenant_id AND f.id = c.finding_id AND f.asset_ids IS DISTINCT FROM x.ids;
  RETURN NULL;
END $$;

CREATE TRIGGER finding_asset_ids_ins AFTER INSERT ON finding_assets
  REFERENCING NEW TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION finding_asset_ids_sync();
CREATE TRIGGER finding_asset_ids_del AFTER DELETE ON finding_assets
  REFERENCING OLD TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION finding_asset_ids_sync();
-- A link is its key (no column of it changes); an UPDATE of one is still followed, both sides.
CREATE TRIGGER finding_asset_ids_upd_old AFTER UPDATE ON finding_assets
  REFERENCING OLD TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION finding_asset_ids_sync();
CREATE TRIGGER finding_asset_ids_upd_new AFTER UPDATE ON finding_assets
  REFERENCING NEW TABLE AS changed_links FOR EACH STATEMENT EXECUTE FUNCTION finding_asset_ids_sync();

-- The links there are, whichever tenant they belong to, set by the owner. The counters' triggers
-- (0001, 0012, 0016) would only add and take away the same counts for every row: off meanwhile.
DO $$
BEGIN
  EXECUTE format('CREATE POLICY asset_ids_backfill ON findings FOR UPDATE TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
ALTER TABLE findings DISABLE TRIGGER finding_counts_upd;
ALTER TABLE findings DISABLE TRIGGER finding_terms_upd;
ALTER TABLE findings DISABLE TRIGGER finding_weeks_upd;
UPDATE findings f SET asset_ids = l.ids
  FROM (SELECT fa.tenant_id, fa.finding_id, array_agg(fa.asset_id ORDER BY fa.asset_id COLLATE "C") AS ids
          FROM finding_assets fa GROUP BY fa.tenant_id, fa.finding_id) l
 WHERE f.tenant_id = l.tenant_id AND f.id = l.finding_id;
ALTER TABLE findings ENABLE TRIGGER finding_counts_upd;
ALTER TABLE findings ENABLE TRIGGER finding_terms_upd;
ALTER TABLE findings ENABLE TRIGGER finding_weeks_upd;
DROP POLICY asset_ids_backfill ON findings;
