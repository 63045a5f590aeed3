-- Single sign-on through a tenant's own OpenID Connect provider (the platform is the relying party).
-- (0013 belongs to another branch; migrate.ts applies whatever numbers are missing, in order.)

-- One provider per tenant. The client secret is sealed (AES-256-GCM under a key derived from the
-- server secret and the tenant id, lib/sealed.ts) and never returned by the API.
CREATE TABLE sso_settings (
  tenant_id         text PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  enabled           boolean NOT NULL DEFAULT true,
  display_name      text NOT NULL,
  issuer_url        text NOT NULL,
  client_id         text NOT NULL,
  client_secret     text,
  -- Emails of these domains (exactly, lower case) may sign in, and get an account on first sign-in.
  allowed_domains   text[] NOT NULL,
  default_role      text NOT NULL CHECK (default_role IN ('admin', 'manager', 'tester', 'viewer')),
  -- false: only admins may still sign in with a password (the way back in when the provider fails).
  passwords_allowed boolean NOT NULL DEFAULT true,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- A sign-in under way: what the callback must check (state, nonce, PKCE verifier), kept for at most
-- ten minutes and deleted by the callback that uses it, so a state works once. Only the state's
-- keyed hash is stored; the verifier is sealed.
CREATE TABLE sso_logins (
  tenant_id     text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  state_hash    bytea NOT NULL,
  nonce         text NOT NULL,
  code_verifier text NOT NULL,
  redirect_uri  text NOT NULL,
  return_to     text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, state_hash)
);
CREATE INDEX sso_logins_expiry ON sso_logins (tenant_id, expires_at);

SELECT isolate_tenant_table('sso_settings');
SELECT isolate_tenant_table('sso_logins');
