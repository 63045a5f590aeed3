-- Reports: each generation is a job row (queued → running → completed | failed) claimed by the
-- report workers of any instance through report_claim() (SKIP LOCKED, leased, so a job whose
-- instance died is taken up again), and its file is stored in the database beside it, so any
-- instance serves any report. A completed report never changes: its file and sha256 are fixed.

CREATE TABLE report_templates (
  tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id           text NOT NULL,
  name         text NOT NULL,
  description  text,
  kind         text NOT NULL CHECK (kind IN ('docx', 'typst', 'html', 'markdown')),
  filename     text NOT NULL,
  content      bytea NOT NULL,
  size         integer NOT NULL,
  sha256       text NOT NULL,
  created_by   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX report_templates_created ON report_templates (tenant_id, created_at DESC, id DESC);

CREATE TABLE reports (
  tenant_id      text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id             text NOT NULL,
  project_id     text NOT NULL,
  format         text NOT NULL CHECK (format IN ('pdf', 'docx', 'html', 'markdown', 'json', 'csv')),
  -- The tenant template used (null: the built-in design); its name is kept if it is deleted later.
  template_id    text,
  template_name  text,
  title          text NOT NULL,
  version        text NOT NULL,
  classification text,
  -- The severities and statuses of the findings it covers (json, not jsonb: the API shows it as stored).
  include        json NOT NULL,
  status         text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
  progress       smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  error          text,
  size           integer,
  sha256         text,
  filename       text,
  created_by_type text NOT NULL CHECK (created_by_type IN ('user', 'service_account', 'system')),
  created_by     text,
  attempts       integer NOT NULL DEFAULT 0,
  lease_owner    text,
  lease_until    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  completed_at   timestamptz,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, project_id, version, format),
  FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, template_id) REFERENCES report_templates (tenant_id, id) ON DELETE SET NULL (template_id)
);
CREATE INDEX reports_created ON reports (tenant_id, created_at DESC, id DESC);
CREATE INDEX reports_project ON reports (tenant_id, project_id, created_at DESC, id DESC);
-- The workers' queue, across tenants.
CREATE INDEX reports_due ON reports (created_at) WHERE status IN ('queued', 'running');

CREATE TABLE report_files (
  tenant_id  text NOT NULL,
  report_id  text NOT NULL,
  content    bytea NOT NULL,
  PRIMARY KEY (tenant_id, report_id),
  FOREIGN KEY (tenant_id, report_id) REFERENCES reports (tenant_id, id) ON DELETE CASCADE
);

-- Branding of the built-in design, one row per tenant.
CREATE TABLE report_settings (
  tenant_id              text PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  company_name           text,
  accent_color           text CHECK (accent_color ~ '^#[0-9a-f]{6}$'),
  default_classification text,
  footer_text            text,
  logo                   bytea,
  logo_type              text CHECK (logo_type IN ('png', 'svg')),
  -- PDFs with the tagged structure screen readers use (four times larger for big reports).
  tagged_pdf             boolean NOT NULL DEFAULT false,
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CHECK ((logo IS NULL) = (logo_type IS NULL))
);

-- A completed report is immutable: its file is never rewritten and its digest never changes.
CREATE FUNCTION report_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'report_files' THEN
    RAISE EXCEPTION 'a report file cannot be changed' USING ERRCODE = '55000';
  END IF;
  IF OLD.status = 'completed' AND (NEW.status, NEW.sha256, NEW.size, NEW.format, NEW.version, NEW.title)
      IS DISTINCT FROM (OLD.status, OLD.sha256, OLD.size, OLD.format, OLD.version, OLD.title) THEN
    RAISE EXCEPTION 'a completed report cannot be changed' USING ERRCODE = '55000';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER report_files_immutable BEFORE UPDATE ON report_files FOR EACH ROW EXECUTE FUNCTION report_immutable();
CREATE TRIGGER reports_immutable BEFORE UPDATE ON reports FOR EACH ROW EXECUTE FUNCTION report_immutable();

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['report_templates', 'reports', 'report_files', 'report_settings'] LOOP
    PERFORM isolate_tenant_table(t);
  END LOOP;
  -- Only the owner role (running report_claim) leases jobs across tenants.
  EXECUTE format('CREATE POLICY report_workers ON reports FOR ALL TO %I USING (true) WITH CHECK (true)', current_user);
END $$;

-- Leases up to p_limit jobs to p_owner: queued ones, oldest first, and running ones whose lease
-- ran out (their instance died). A job that was taken p_max_attempts times without finishing is
-- marked failed instead of being tried again. Returns the leased jobs.
CREATE FUNCTION report_claim(p_owner text, p_lease_ms integer, p_limit integer, p_max_attempts integer)
  RETURNS TABLE (tenant_id text, id text, attempts integer)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public
AS $$
BEGIN
  UPDATE reports r
     SET status = 'failed', error = 'The report could not be generated: its rendering stopped ' || r.attempts || ' times',
         lease_owner = NULL, lease_until = NULL, updated_at = now()
   WHERE r.status = 'running' AND r.lease_until < clock_timestamp() AND r.attempts >= p_max_attempts;
  RETURN QUERY
  WITH due AS (
    SELECT r.tenant_id, r.id FROM reports r
     WHERE r.status = 'queued' OR (r.status = 'running' AND r.lease_until < clock_timestamp())
     ORDER BY r.created_at
     LIMIT p_limit
     FOR UPDATE SKIP LOCKED
  )
  UPDATE reports r
     SET status = 'running', lease_owner = p_owner,
         lease_until = clock_timestamp() + make_interval(secs => p_lease_ms / 1000.0),
         attempts = r.attempts + 1, started_at = coalesce(r.started_at, now()), progress = 0, updated_at = now()
    FROM due WHERE r.tenant_id = due.tenant_id AND r.id = due.id
  RETURNING r.tenant_id, r.id, r.attempts;
END $$;
REVOKE ALL ON FUNCTION report_claim(text, integer, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_claim(text, integer, integer, integer) TO neuro_app;

-- A default template per client and per project (the project's wins), used when a report names none.
ALTER TABLE clients ADD COLUMN report_template_id text;
ALTER TABLE clients ADD FOREIGN KEY (tenant_id, report_template_id) REFERENCES report_templates (tenant_id, id) ON DELETE SET NULL (report_template_id);
ALTER TABLE projects ADD COLUMN report_template_id text;
ALTER TABLE projects ADD FOREIGN KEY (tenant_id, report_template_id) REFERENCES report_templates (tenant_id, id) ON DELETE SET NULL (report_template_id);
