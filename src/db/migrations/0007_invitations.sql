-- One-time links that set a user's password: an invitation (for a user created without one) and a
-- password reset an admin issues. The token is random and only its keyed hash (HMAC under the
-- server secret) is stored; a user has at most one link (a new one replaces the old), and using it
-- deletes it, so it works once.
CREATE TABLE invitations (
  tenant_id  text NOT NULL,
  user_id    text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('invitation', 'password_reset')),
  token_hash bytea NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, user_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX invitations_hash ON invitations (token_hash);

SELECT isolate_tenant_table('invitations');

-- A link arrives without its tenant, like a refresh token: an owner-run lookup by the hash alone.
DO $$
BEGIN
  EXECUTE format('CREATE POLICY credential_lookup ON invitations FOR SELECT TO %I USING (true)', current_user);
END $$;

CREATE FUNCTION auth_invitation_lookup(p_hash bytea)
  RETURNS TABLE (tenant_id text, tenant_slug text, tenant_name text, user_id text, email text, name text, kind text,
                 expires_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT i.tenant_id, n.slug, n.name, i.user_id, u.email, u.name, i.kind, i.expires_at
    FROM invitations i
    JOIN tenants n ON n.id = i.tenant_id
    JOIN users u ON u.tenant_id = i.tenant_id AND u.id = i.user_id
   WHERE i.token_hash = p_hash AND i.expires_at > now() AND u.active
$$;
REVOKE ALL ON FUNCTION auth_invitation_lookup(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_invitation_lookup(bytea) TO neuro_app;
