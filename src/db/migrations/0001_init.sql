-- Core platform: tenants, credentials, clients, projects, assets, findings.
-- Every tenant-owned table carries tenant_id first in its primary key (ready for sharding by
-- tenant), and row-level security is enabled and forced on it. The server's queries run as
-- neuro_app, which is not superuser, cannot bypass RLS and owns nothing.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'neuro_app') THEN
    CREATE ROLE neuro_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- another database on this cluster created it at the same moment
END $$;

DO $$
BEGIN
  EXECUTE format('GRANT neuro_app TO %I', current_user);
EXCEPTION WHEN duplicate_object OR unique_violation OR invalid_grant_operation THEN
  NULL;
END $$;

GRANT USAGE ON SCHEMA public TO neuro_app;

-- ISO 8601 in UTC with milliseconds, the one timestamp format of the API. STABLE like to_char, so
-- the planner inlines it (declared IMMUTABLE it is called as a function: 3x the cost per value).
CREATE FUNCTION iso(ts timestamptz) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

CREATE FUNCTION tenant_setting() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT current_setting('app.tenant_id', true) $$;

-- The registry of tenants is not itself tenant-owned.
CREATE TABLE tenants (
  id          text PRIMARY KEY,
  slug        text NOT NULL UNIQUE,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON tenants TO neuro_app;

CREATE TABLE service_accounts (
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id          text NOT NULL,
  name        text NOT NULL,
  role        text NOT NULL CHECK (role IN ('admin', 'manager', 'tester', 'viewer')),
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE users (
  tenant_id     text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id            text NOT NULL,
  email         text NOT NULL CHECK (email = lower(email)),
  name          text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'manager', 'tester', 'viewer')),
  active        boolean NOT NULL DEFAULT true,
  password_hash text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, email)
);

CREATE TABLE api_tokens (
  tenant_id          text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id                 text NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('personal', 'service')),
  user_id            text,
  service_account_id text,
  name               text NOT NULL,
  token_hash         bytea NOT NULL UNIQUE,
  masked             text NOT NULL,
  scopes             text[] NOT NULL,
  expires_at         timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  last_used_at       timestamptz,
  revoked_at         timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, service_account_id) REFERENCES service_accounts (tenant_id, id) ON DELETE CASCADE,
  CHECK ((kind = 'personal') = (user_id IS NOT NULL)),
  CHECK ((kind = 'service') = (service_account_id IS NOT NULL))
);

CREATE TABLE clients (
  tenant_id     text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id            text NOT NULL,
  name          text NOT NULL,
  contact_name  text,
  contact_email text,
  website       text,
  notes         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX clients_created ON clients (tenant_id, created_at DESC, id DESC);

CREATE TABLE projects (
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id          text NOT NULL,
  client_id   text,
  name        text NOT NULL,
  status      text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'in_progress', 'completed', 'archived')),
  description text,
  scope       text,
  start_date  date,
  end_date    date,
  tags        text[] NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  -- No cascade: a client with projects cannot be deleted (the API answers 409).
  FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id)
);
CREATE INDEX projects_created ON projects (tenant_id, created_at DESC, id DESC);
CREATE INDEX projects_client ON projects (tenant_id, client_id, created_at DESC);

CREATE TABLE assets (
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id          text NOT NULL,
  project_id  text NOT NULL,
  name        text NOT NULL,
  type        text NOT NULL CHECK (type IN ('host', 'ip', 'domain', 'url', 'application', 'network', 'cloud', 'repository', 'other')),
  description text,
  tags        text[] NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX assets_created ON assets (tenant_id, created_at DESC, id DESC);
CREATE INDEX assets_project ON assets (tenant_id, project_id, created_at DESC);

CREATE TABLE findings (
  tenant_id          text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id                 text NOT NULL,
  project_id         text NOT NULL,
  title              text NOT NULL,
  severity           text NOT NULL CHECK (severity IN ('Critical', 'High', 'Medium', 'Low', 'Info')),
  status             text NOT NULL DEFAULT 'Open'
                       CHECK (status IN ('Open', 'Confirmed', 'Remediated', 'Verified', 'Accepted Risk', 'False Positive')),
  description        text,
  impact             text,
  remediation        text,
  steps_to_reproduce text,
  "references"       text[] NOT NULL DEFAULT '{}',
  cwe                text,
  cve                text[] NOT NULL DEFAULT '{}',
  cvss_vector        text,
  cvss_score         numeric(3, 1),
  tags               text[] NOT NULL DEFAULT '{}',
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  -- Severities sort by rank, never alphabetically.
  severity_rank      smallint GENERATED ALWAYS AS (
                       CASE severity WHEN 'Critical' THEN 4 WHEN 'High' THEN 3 WHEN 'Medium' THEN 2
                                     WHEN 'Low' THEN 1 ELSE 0 END) STORED,
  search             tsvector GENERATED ALWAYS AS (
                       setweight(to_tsvector('english', title), 'A') ||
                       setweight(to_tsvector('english', coalesce(description, '')), 'B') ||
                       setweight(to_tsvector('english', coalesce(impact, '')), 'C') ||
                       setweight(to_tsvector('english', coalesce(remediation, '')), 'C')) STORED,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE
);
-- Lists sort `DESC NULLS LAST, id DESC` (or the reverse); the indexes must say NULLS LAST too, or
-- the planner cannot read a page off them in order and sorts every matching row instead.
CREATE INDEX findings_created ON findings (tenant_id, created_at DESC NULLS LAST, id DESC);
CREATE INDEX findings_sev_status ON findings (tenant_id, severity, status, created_at DESC NULLS LAST, id DESC);
CREATE INDEX findings_status ON findings (tenant_id, status, created_at DESC NULLS LAST, id DESC);
CREATE INDEX findings_project ON findings (tenant_id, project_id, created_at DESC NULLS LAST, id DESC);
CREATE INDEX findings_rank ON findings (tenant_id, severity_rank DESC NULLS LAST, id DESC);
CREATE INDEX findings_search ON findings USING gin (search);

-- Full-text search under row-level security: `@@` is not LEAKPROOF, so the planner may not use the
-- GIN index for it in a query the policy applies to and scans every row of the tenant instead.
-- This owner-run function does the index lookup for the current tenant only (the same condition as
-- the policy) and nothing else; the list query then joins its ids back under RLS as usual.
-- PL/pgSQL, so the result is built in one call (a set-returning SQL function would be re-entered,
-- with its security-definer switch, once per row).
CREATE FUNCTION finding_search_ids(q tsquery) RETURNS SETOF text
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public ROWS 1000
  AS $$ BEGIN RETURN QUERY SELECT f.id FROM findings f WHERE f.tenant_id = tenant_setting() AND f.search @@ q; END $$;
REVOKE ALL ON FUNCTION finding_search_ids(tsquery) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION finding_search_ids(tsquery) TO neuro_app;

CREATE TABLE finding_assets (
  tenant_id  text NOT NULL,
  finding_id text NOT NULL,
  asset_id   text NOT NULL,
  PRIMARY KEY (tenant_id, finding_id, asset_id),
  FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, asset_id) REFERENCES assets (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX finding_assets_asset ON finding_assets (tenant_id, asset_id, finding_id);

-- Exact finding counts per (project, severity, status), kept in the same transaction as every
-- change by statement-level triggers, so a list's meta.total for those filters is a sum over a
-- few rows instead of a count over thousands. Each group is counted twice: for its project, and
-- for the whole tenant under project_id '*' (what a list without a project filter sums: a few
-- rows however many projects there are). A counter row stays locked until its writer commits,
-- so each connection writes its own slot (of 16, by backend pid): concurrent writers to the same
-- group do not queue behind each other's commits. The rows of one statement are taken in a fixed
-- order, so two writers never lock them crosswise.
CREATE TABLE finding_counts (
  tenant_id  text NOT NULL,
  project_id text NOT NULL,
  severity   text NOT NULL,
  status     text NOT NULL,
  slot       smallint NOT NULL,
  n          bigint NOT NULL,
  PRIMARY KEY (tenant_id, severity, status, project_id, slot)
);
CREATE INDEX finding_counts_project ON finding_counts (tenant_id, project_id);

CREATE FUNCTION finding_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO finding_counts AS c (tenant_id, project_id, severity, status, slot, n)
      SELECT tenant_id, coalesce(project_id, '*'), severity, status, (pg_backend_pid() % 16)::smallint, count(*)
        FROM new_rows
       GROUP BY GROUPING SETS ((tenant_id, project_id, severity, status), (tenant_id, severity, status))
       ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, severity, status, project_id, slot) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    INSERT INTO finding_counts AS c (tenant_id, project_id, severity, status, slot, n)
      SELECT tenant_id, coalesce(project_id, '*'), severity, status, (pg_backend_pid() % 16)::smallint, -count(*)
        FROM old_rows
       GROUP BY GROUPING SETS ((tenant_id, project_id, severity, status), (tenant_id, severity, status))
       ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, severity, status, project_id, slot) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER finding_counts_ins AFTER INSERT ON findings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_apply();
CREATE TRIGGER finding_counts_upd AFTER UPDATE ON findings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_apply();
CREATE TRIGGER finding_counts_del AFTER DELETE ON findings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_counts_apply();

-- Row-level security on a tenant-owned table: enabled and forced, one policy on the tenant
-- setting, and the application role's grants. Every migration that adds a tenant table calls it.
CREATE FUNCTION isolate_tenant_table(t text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
  EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = tenant_setting()) '
                 'WITH CHECK (tenant_id = tenant_setting())', t);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO neuro_app', t);
END $$;

-- Row-level security on every tenant-owned table.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['service_accounts', 'users', 'api_tokens', 'clients', 'projects', 'assets',
                           'findings', 'finding_assets', 'finding_counts'] LOOP
    PERFORM isolate_tenant_table(t);
  END LOOP;
END $$;

-- A credential arrives without its tenant; this owner-run lookup finds it by its keyed hash and
-- nothing else. The policy lets only the owner role (the one running this function) read across
-- tenants, so it works whether or not the owner is a superuser.
DO $$
BEGIN
  EXECUTE format('CREATE POLICY credential_lookup ON api_tokens FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY credential_lookup ON service_accounts FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY credential_lookup ON users FOR SELECT TO %I USING (true)', current_user);
  -- For finding_search_ids, which filters by the current tenant itself.
  EXECUTE format('CREATE POLICY search_lookup ON findings FOR SELECT TO %I USING (true)', current_user);
END $$;

CREATE FUNCTION auth_token_lookup(p_hash bytea)
  RETURNS TABLE (id text, tenant_id text, tenant_slug text, kind text, user_id text, service_account_id text,
                 scopes text[], expires_at timestamptz, revoked_at timestamptz, role text, owner_active boolean)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT t.id, t.tenant_id, n.slug, t.kind, t.user_id, t.service_account_id, t.scopes, t.expires_at, t.revoked_at,
         coalesce(u.role, s.role), coalesce(u.active, s.active)
    FROM api_tokens t
    JOIN tenants n ON n.id = t.tenant_id
    LEFT JOIN users u ON u.tenant_id = t.tenant_id AND u.id = t.user_id
    LEFT JOIN service_accounts s ON s.tenant_id = t.tenant_id AND s.id = t.service_account_id
   WHERE t.token_hash = p_hash
$$;
REVOKE ALL ON FUNCTION auth_token_lookup(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_token_lookup(bytea) TO neuro_app;
