-- A version number per tenant that grows with every committed change to the data the read cache
-- serves (clients, projects, assets, findings and their asset links). A statement-level trigger
-- bumps it in the transaction of the change, so a reader that sees version v sees exactly the data
-- of version v. Like finding_counts, each connection bumps its own slot (of 16, by backend pid),
-- so concurrent writers do not queue behind each other's commits; the version is the sum of the
-- slots, and since every slot only grows, so does the sum.
--
-- A change made with no tenant set (a cascade from deleting a tenant, an operator's command) bumps
-- the '*' row, which counts toward every tenant's version.
CREATE TABLE data_versions (
  tenant_id text NOT NULL,
  slot      smallint NOT NULL,
  n         bigint NOT NULL,
  PRIMARY KEY (tenant_id, slot)
);
-- Only the owner touches it, through the two functions below: the application role gets no grant,
-- so it cannot lower a version (which could make an old cached response match again).
ALTER TABLE data_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE data_versions FORCE ROW LEVEL SECURITY;
DO $$
BEGIN
  EXECUTE format('CREATE POLICY versions ON data_versions FOR ALL TO %I USING (true) WITH CHECK (true)', current_user);
END $$;

CREATE FUNCTION data_version_bump() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
AS $$
BEGIN
  INSERT INTO data_versions AS v (tenant_id, slot, n)
    VALUES (coalesce(nullif(current_setting('app.tenant_id', true), ''), '*'), (pg_backend_pid() % 16)::smallint, 1)
  ON CONFLICT (tenant_id, slot) DO UPDATE SET n = v.n + 1;
  RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['clients', 'projects', 'assets', 'findings', 'finding_assets'] LOOP
    EXECUTE format('CREATE TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()', t);
  END LOOP;
END $$;

-- The current version of each tenant asked for, read in one statement.
CREATE FUNCTION data_versions_of(p_tenants text[]) RETURNS TABLE (tenant_id text, version text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT t, (coalesce((SELECT sum(v.n) FROM data_versions v WHERE v.tenant_id = t), 0)
           + coalesce((SELECT sum(v.n) FROM data_versions v WHERE v.tenant_id = '*'), 0))::text
    FROM unnest(p_tenants) AS t
$$;
REVOKE ALL ON FUNCTION data_versions_of(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION data_versions_of(text[]) TO neuro_app;
