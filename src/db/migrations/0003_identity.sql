-- Identity: passwords and TOTP on users, login sessions with rotating refresh tokens, recovery
-- codes, the server's JWT signing keys, and more on API tokens (purpose, rotation, creator).

-- TOTP secrets are stored sealed (AES-256-GCM under a key derived from the server secret).
ALTER TABLE users
  ADD COLUMN totp_secret         text,
  ADD COLUMN totp_pending        text,
  ADD COLUMN totp_enabled_at     timestamptz,
  -- The last accepted time step: a code can never be accepted twice.
  ADD COLUMN totp_last_step      bigint,
  ADD COLUMN password_changed_at timestamptz;

CREATE TABLE user_recovery_codes (
  tenant_id  text NOT NULL,
  user_id    text NOT NULL,
  code_hash  bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at    timestamptz,
  PRIMARY KEY (tenant_id, user_id, code_hash),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- A login: what an access token (JWT, `sid` claim) and its refresh tokens belong to.
CREATE TABLE sessions (
  tenant_id     text NOT NULL,
  id            text NOT NULL,
  user_id       text NOT NULL,
  ip            text,
  user_agent    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz NOT NULL DEFAULT now(),
  -- Absolute end: refresh tokens never extend a session beyond it.
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz,
  revoke_reason text,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id, created_at DESC);

-- Every refresh token a session was given; a used one presented again revokes the session.
CREATE TABLE refresh_tokens (
  tenant_id  text NOT NULL,
  token_hash bytea NOT NULL,
  session_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at    timestamptz,
  PRIMARY KEY (tenant_id, token_hash),
  FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX refresh_tokens_hash ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_session ON refresh_tokens (tenant_id, session_id);

ALTER TABLE api_tokens
  ADD COLUMN purpose    text NOT NULL DEFAULT 'api' CHECK (purpose IN ('api', 'mcp')),
  ADD COLUMN created_by text,
  ADD COLUMN rotated_from text;
CREATE INDEX api_tokens_user ON api_tokens (tenant_id, user_id, created_at DESC);
CREATE INDEX api_tokens_created ON api_tokens (tenant_id, created_at DESC, id DESC);

ALTER TABLE service_accounts
  ADD COLUMN description text,
  ADD COLUMN deleted_at  timestamptz;

-- The server's JWT signing keys (not tenant data). The private half is sealed with the server secret.
CREATE TABLE signing_keys (
  id          text PRIMARY KEY,
  alg         text NOT NULL,
  public_jwk  jsonb NOT NULL,
  private_key text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  retired_at  timestamptz
);
GRANT SELECT, INSERT, UPDATE ON signing_keys TO neuro_app;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['user_recovery_codes', 'sessions', 'refresh_tokens'] LOOP
    PERFORM isolate_tenant_table(t);
  END LOOP;
  EXECUTE format('CREATE POLICY credential_lookup ON refresh_tokens FOR SELECT TO %I USING (true)', current_user);
END $$;

-- A login names an email, not a tenant: find the accounts with that email (in one tenant when the
-- slug is given). Owner-run, like auth_token_lookup, and returns nothing but what login needs.
CREATE FUNCTION auth_login_candidates(p_email text, p_tenant_slug text)
  RETURNS TABLE (tenant_id text, tenant_slug text, user_id text, password_hash text, active boolean, totp_enabled boolean)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT u.tenant_id, n.slug, u.id, u.password_hash, u.active, u.totp_enabled_at IS NOT NULL
    FROM users u
    JOIN tenants n ON n.id = u.tenant_id
   WHERE u.email = lower(p_email)
     AND (p_tenant_slug IS NULL OR n.slug = p_tenant_slug)
   ORDER BY u.created_at
   LIMIT 10
$$;
REVOKE ALL ON FUNCTION auth_login_candidates(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login_candidates(text, text) TO neuro_app;

-- A refresh token arrives without its tenant too.
CREATE FUNCTION auth_refresh_lookup(p_hash bytea)
  RETURNS TABLE (tenant_id text, tenant_slug text, session_id text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT r.tenant_id, n.slug, r.session_id FROM refresh_tokens r JOIN tenants n ON n.id = r.tenant_id WHERE r.token_hash = p_hash
$$;
REVOKE ALL ON FUNCTION auth_refresh_lookup(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_refresh_lookup(bytea) TO neuro_app;
