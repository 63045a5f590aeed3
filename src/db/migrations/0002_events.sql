-- One log of everything that happens in a tenant: changes to objects (the outbox that webhooks
-- deliver from, and objects' history) and security events (logins, tokens, roles: the audit log).
-- A row is written in the same transaction as the change it records.

CREATE TABLE events (
  tenant_id     text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id            text NOT NULL,
  type          text NOT NULL,
  actor_type    text NOT NULL CHECK (actor_type IN ('user', 'service_account', 'system', 'anonymous')),
  actor_id      text,
  credential_id text,
  ip            text,
  user_agent    text,
  request_id    text,
  object_type   text,
  object_id     text,
  -- For updates: {"field": {"old": …, "new": …}} of the fields that changed.
  changes       jsonb,
  -- The object as the API returns it (for *.deleted, its last state), or details of the event.
  data          jsonb,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX events_created ON events (tenant_id, created_at DESC, id DESC);
CREATE INDEX events_object ON events (tenant_id, object_id, created_at DESC, id DESC);
CREATE INDEX events_actor ON events (tenant_id, actor_id, created_at DESC, id DESC);
CREATE INDEX events_type ON events (tenant_id, type, created_at DESC, id DESC);

SELECT isolate_tenant_table('events');
-- Append-only for the application: no UPDATE, no DELETE.
REVOKE UPDATE, DELETE ON events FROM neuro_app;
