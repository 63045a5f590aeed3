import { Type } from 'typebox';
import { ListQuerySchema, Name, Nullable, StringEnum, Timestamp } from '../../lib/schemas.js';
import { SCOPES } from '../../lib/scopes.js';

const ScopeList = Type.Array(StringEnum(SCOPES), { minItems: 1, maxItems: SCOPES.length, uniqueItems: true });

/** An exact redirect URI: https anywhere, http only on a loopback host, or an app's own scheme. */
const RedirectUri = Type.String({ minLength: 1, maxLength: 2000, pattern: '^(https://[^\\s#]+|http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:[0-9]+)?(/[^\\s#]*)?|(?!([Hh][Tt][Tt][Pp][Ss]?|[Jj][Aa][Vv][Aa][Ss][Cc][Rr][Ii][Pp][Tt]|[Dd][Aa][Tt][Aa]|[Ff][Ii][Ll][Ee]|[Vv][Bb][Ss][Cc][Rr][Ii][Pp][Tt]):)[a-z][a-z0-9+.-]*:[^\\s#]+)$' });

export const OauthClient = Type.Object({
  id: Type.String({ description: 'The client_id' }),
  name: Type.String(),
  client_type: StringEnum(['confidential', 'public'] as const),
  token_endpoint_auth_method: StringEnum(['client_secret_basic', 'client_secret_post', 'none'] as const),
  redirect_uris: Type.Array(Type.String()),
  scopes: Type.Array(Type.String()),
  service_account_id: Nullable(Type.String()),
  registered: Type.Boolean({ description: 'Registered by the app itself (dynamic client registration)' }),
  created_at: Timestamp,
});

export const OauthClientCreated = Type.Object({
  ...OauthClient.properties,
  client_secret: Nullable(Type.String({ description: 'Shown only in this response; null for a public client' })),
});

export const OauthClientCreate = Type.Object({
  name: Name({ maxLength: 200 }),
  client_type: StringEnum(['confidential', 'public'] as const),
  redirect_uris: Type.Optional(Type.Array(RedirectUri, { maxItems: 20, uniqueItems: true })),
  scopes: ScopeList,
  token_endpoint_auth_method: Type.Optional(StringEnum(['client_secret_basic', 'client_secret_post'] as const, {
    description: 'The method the client registers (default client_secret_basic); the token endpoint accepts the secret either way (HTTP Basic or in the form body)',
  })),
  service_account_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The service account a confidential client acts as with client_credentials' })),
}, { additionalProperties: false });

export const OauthClientListQuery = ListQuerySchema(['created_at', 'name'], {});

export const OauthGrant = Type.Object({
  id: Type.String(),
  client: Type.Object({ id: Type.String(), name: Type.String() }),
  user: Nullable(Type.Object({ id: Type.String(), name: Type.String(), email: Type.String() })),
  scopes: Type.Array(Type.String()),
  created_at: Timestamp,
  expires_at: Nullable(Timestamp),
});

export const OauthGrantListQuery = ListQuerySchema(['created_at'], {});

export const GrantParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
/** A client id: ours (`oac_…`), or the https URL of a client ID metadata document. */
export const ClientParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 2000 }) });
export const UidParams = Type.Object({ uid: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });

export const Interaction = Type.Object({
  uid: Type.String(),
  client: Type.Object({ id: Type.String(), name: Type.String(), redirect_uri: Type.String() }),
  tenant: Type.Object({ slug: Type.String(), name: Type.String() }),
  scopes: Type.Array(Type.Object({
    scope: Type.String(),
    description: Type.String(),
    allowed: Type.Boolean({ description: 'Whether your role permits it (consent fails with invalid_scope otherwise)' }),
  })),
});

export const InteractionDone = Type.Object({
  redirect_to: Type.String({ description: 'Where the browser goes next: back to the authorization server, which redirects to the app' }),
});
