-- The OAuth 2.0 authorization server (modules/oauth, oidc-provider).
--
-- oauth_clients: the apps a tenant lets its users connect (or that registered themselves through
-- dynamic client registration, or came with a client ID metadata document). The client secret is stored only as its keyed hash (HMAC under the
-- server secret), like API tokens.
CREATE TABLE oauth_clients (
  tenant_id          text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id                 text NOT NULL,
  name               text NOT NULL,
  client_type        text NOT NULL CHECK (client_type IN ('confidential', 'public')),
  auth_method        text NOT NULL CHECK (auth_method IN ('client_secret_basic', 'client_secret_post', 'none')),
  redirect_uris      text[] NOT NULL DEFAULT '{}',
  scopes             text[] NOT NULL,
  secret_hash        text,
  service_account_id text,
  registered         boolean NOT NULL DEFAULT false,
  created_by         text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  deleted_at         timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, service_account_id) REFERENCES service_accounts (tenant_id, id) ON DELETE CASCADE,
  CHECK ((client_type = 'public') = (auth_method = 'none')),
  CHECK ((client_type = 'public') = (secret_hash IS NULL))
);
-- The ids we issue (`oac_…`) are unique across tenants, so a client id alone finds its tenant. A
-- client known by its metadata document (its id is that document's https URL, the same in every
-- tenant that lets it in) has a row per tenant.
CREATE UNIQUE INDEX oauth_clients_id ON oauth_clients (id) WHERE id NOT LIKE 'https://%';

-- What oidc-provider persists (grants, codes, access and refresh tokens, interactions, its own
-- sessions), one row each. A row is found by `key`, an HMAC of its model and id: the id of a code
-- or an opaque token is the secret itself, so no token is ever stored as it is presented. The
-- payload never carries it either (the adapter drops their `jti`). grant_id, client_id and account_id
-- are copied out of the payload for revocation by grant and the connected-apps lists.
CREATE TABLE oauth_store (
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  key         bytea NOT NULL,
  model       text NOT NULL,
  -- A grant's own id (grants are listed and revoked by it); null for the other models.
  id          text,
  grant_id    text,
  uid_key     bytea,
  client_id   text,
  account_id  text,
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz,
  consumed_at timestamptz,
  PRIMARY KEY (tenant_id, key)
);
CREATE UNIQUE INDEX oauth_store_key ON oauth_store (key);
CREATE INDEX oauth_store_grant ON oauth_store (tenant_id, grant_id);
CREATE INDEX oauth_store_uid ON oauth_store (uid_key) WHERE uid_key IS NOT NULL;
CREATE INDEX oauth_store_grants ON oauth_store (tenant_id, account_id, created_at) WHERE model = 'Grant';
CREATE INDEX oauth_store_expiry ON oauth_store (expires_at);

SELECT isolate_tenant_table('oauth_clients');
SELECT isolate_tenant_table('oauth_store');

-- A client id, a code or a token arrives without its tenant (on a host without a tenant part):
-- owner-run lookups by the client id or the keyed hash alone, like auth_token_lookup.
DO $$
BEGIN
  EXECUTE format('CREATE POLICY credential_lookup ON oauth_clients FOR SELECT TO %I USING (true)', current_user);
  EXECUTE format('CREATE POLICY credential_lookup ON oauth_store FOR SELECT TO %I USING (true)', current_user);
END $$;

CREATE FUNCTION oauth_client_tenant(p_id text)
  RETURNS TABLE (tenant_id text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT c.tenant_id FROM oauth_clients c WHERE c.id = p_id AND c.deleted_at IS NULL
$$;
REVOKE ALL ON FUNCTION oauth_client_tenant(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION oauth_client_tenant(text) TO neuro_app;

CREATE FUNCTION oauth_store_lookup(p_key bytea)
  RETURNS TABLE (tenant_id text, payload jsonb, expires_at timestamptz, consumed_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT s.tenant_id, s.payload, s.expires_at, s.consumed_at FROM oauth_store s WHERE s.key = p_key
$$;
REVOKE ALL ON FUNCTION oauth_store_lookup(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION oauth_store_lookup(bytea) TO neuro_app;

CREATE FUNCTION oauth_store_uid_lookup(p_uid_key bytea)
  RETURNS TABLE (tenant_id text, payload jsonb, expires_at timestamptz, consumed_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT s.tenant_id, s.payload, s.expires_at, s.consumed_at FROM oauth_store s WHERE s.uid_key = p_uid_key
$$;
REVOKE ALL ON FUNCTION oauth_store_uid_lookup(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION oauth_store_uid_lookup(bytea) TO neuro_app;

-- The API's credential check for an OAuth access token (tokens/service.ts): the token's row with
-- its owner — the user it acts for, or the service account of the client (client_credentials) —
-- and whether that owner and the client still stand.
CREATE FUNCTION oauth_access_lookup(p_key bytea)
  RETURNS TABLE (tenant_id text, tenant_slug text, model text, grant_id text, client_id text, account_id text,
                 service_account_id text, scope text, audience text, expires_at timestamptz, role text, owner_active boolean)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT s.tenant_id, n.slug, s.model, s.grant_id, s.client_id, s.account_id,
         CASE WHEN s.model = 'ClientCredentials' THEN c.service_account_id END,
         s.payload->>'scope', s.payload->>'aud', s.expires_at,
         CASE WHEN s.model = 'ClientCredentials' THEN sa.role ELSE u.role END,
         CASE WHEN s.model = 'ClientCredentials' THEN coalesce(sa.active AND sa.deleted_at IS NULL, false)
              ELSE coalesce(u.active, false) END
    FROM oauth_store s
    JOIN tenants n ON n.id = s.tenant_id
    JOIN oauth_clients c ON c.tenant_id = s.tenant_id AND c.id = s.client_id AND c.deleted_at IS NULL
    LEFT JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.account_id
    LEFT JOIN service_accounts sa ON sa.tenant_id = s.tenant_id AND sa.id = c.service_account_id
   WHERE s.key = p_key AND s.model IN ('AccessToken', 'ClientCredentials')
     -- A user's token stands only while its grant does: a revoked grant (a disconnect, or a reused
     -- code or refresh token) ends even a token written a moment after it was revoked.
     AND (s.model = 'ClientCredentials' OR EXISTS (
       SELECT 1 FROM oauth_store g WHERE g.tenant_id = s.tenant_id AND g.grant_id = s.grant_id AND g.model = 'Grant'))
$$;
REVOKE ALL ON FUNCTION oauth_access_lookup(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION oauth_access_lookup(bytea) TO neuro_app;

-- Expired codes, tokens, interactions and sessions, an hour after they expired (a worker, every
-- few minutes, across tenants: owner-run, and it removes nothing but expired rows).
CREATE FUNCTION oauth_sweep() RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public
AS $$
  DELETE FROM oauth_store WHERE key = ANY(ARRAY(
    SELECT key FROM oauth_store WHERE expires_at < now() - interval '1 hour' LIMIT 1000))
$$;
REVOKE ALL ON FUNCTION oauth_sweep() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION oauth_sweep() TO neuro_app;
