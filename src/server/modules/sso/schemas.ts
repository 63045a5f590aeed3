import { Type } from 'typebox';
import { Name, Nullable, StringEnum, Timestamp } from '../../lib/schemas.js';
import { ROLES } from '../../lib/scopes.js';

/** A tenant's OpenID Connect provider as admins see it: everything but the client secret. */
export const SsoSettings = Type.Object({
  configured: Type.Boolean({ description: 'false until the first PUT; the other fields are then defaults' }),
  enabled: Type.Boolean(),
  display_name: Nullable(Type.String({ description: 'Shown on the sign-in page as "Sign in with …"' })),
  issuer_url: Nullable(Type.String()),
  client_id: Nullable(Type.String()),
  client_secret_set: Type.Boolean({ description: 'Whether a client secret is stored (it is never returned)' }),
  allowed_domains: Type.Array(Type.String()),
  default_role: StringEnum(ROLES),
  passwords_allowed: Type.Boolean({ description: 'false: only admins may still sign in with a password' }),
  redirect_uri: Type.String({ description: 'The redirect URI to register at the provider (for the host this request came to)' }),
  updated_at: Nullable(Timestamp),
});

const Domain = Type.String({ minLength: 1, maxLength: 253, examples: ['example.com'] });

export const SsoSettingsUpdate = Type.Object(
  {
    issuer_url: Type.String({ minLength: 1, maxLength: 2000, description: 'https:// (http:// only for a loopback address), as the provider names itself in its discovery document' }),
    client_id: Type.String({ minLength: 1, maxLength: 500 }),
    client_secret: Type.Optional(Nullable(Type.String({
      minLength: 1, maxLength: 2000,
      description: 'Write-only. Left out: the stored one stays; null: none (a public client, PKCE only)',
    }))),
    display_name: Name({ maxLength: 100, description: 'The provider\'s name on the sign-in button' }),
    allowed_domains: Type.Array(Domain, { minItems: 1, maxItems: 50, description: 'Email domains (exact) that may sign in; a first sign-in creates the account' }),
    default_role: Type.Optional(StringEnum(ROLES, { description: 'Role of accounts created on first sign-in (default viewer)' })),
    passwords_allowed: Type.Optional(Type.Boolean({ description: 'Default true. false: password sign-in is refused for everyone but admins' })),
    enabled: Type.Optional(Type.Boolean({ description: 'Default true' })),
  },
  { additionalProperties: false },
);

/** What the sign-in page needs to know, without a credential. */
export const SsoStatus = Type.Object({
  tenant: Type.String({ description: 'Slug of the tenant this answer is for' }),
  enabled: Type.Boolean(),
  name: Nullable(Type.String({ description: 'The provider\'s display name' })),
  passwords_allowed: Type.Boolean(),
});

export const SsoStatusQuery = Type.Object(
  { tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 63, description: 'Tenant slug, on a host without a tenant part (default: the bootstrap tenant)' })) },
  { additionalProperties: false },
);

export const SsoStartQuery = Type.Object(
  {
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    return_to: Type.Optional(Type.String({ maxLength: 2000, description: 'A path of the web app to land on (same origin only; anything else lands on /)' })),
  },
  { additionalProperties: false },
);

/** The provider's authorization response: success or error (RFC 6749 §4.1.2), passed on to openid-client. */
export const SsoCallbackQuery = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 4096 })),
    state: Type.Optional(Type.String({ maxLength: 512 })),
    iss: Type.Optional(Type.String({ maxLength: 2000 })),
    error: Type.Optional(Type.String({ maxLength: 200 })),
    error_description: Type.Optional(Type.String({ maxLength: 2000 })),
    error_uri: Type.Optional(Type.String({ maxLength: 2000 })),
    session_state: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: true },
);

export const Redirect = Type.Null({ description: 'A redirect (Location header)' });
