import { Type } from 'typebox';
import { ListQuerySchema, Nullable, OptionalBody, Timestamp } from '../../lib/schemas.js';

const Code = Type.String({ minLength: 1, maxLength: 32 });

export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    totp_code: Type.Optional(Code),
    recovery_code: Type.Optional(Code),
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 63, description: 'Tenant slug, when the host name has none and the email and password fit accounts in several tenants' })),
    set_cookie: Type.Optional(Type.Boolean({ description: 'Also start a browser session: HttpOnly cookies and a CSRF token' })),
  },
  { additionalProperties: false },
);

/** Exactly as netrecon-authentication.txt shows: no envelope. */
export const TokenResponse = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer(),
});

/** Optional: a browser refreshes from the HttpOnly refresh cookie with no body at all. */
export const RefreshBody = OptionalBody(Type.Object(
  { refresh_token: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })) },
  { additionalProperties: false },
));

export const Session = Type.Object({
  id: Type.String(),
  created_at: Timestamp,
  last_used_at: Timestamp,
  expires_at: Timestamp,
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  current: Type.Boolean(),
});

export const SessionListQuery = ListQuerySchema(['created_at', 'last_used_at'], {});

export const PasswordChange = Type.Object(
  {
    current_password: Type.String({ minLength: 1, maxLength: 1024 }),
    new_password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const TotpSetup = Type.Object({
  secret: Type.String({ description: 'Base32 TOTP secret' }),
  otpauth_url: Type.String(),
  qr_code: Type.String({ description: 'The otpauth URL as a QR code (SVG data URL)' }),
});

export const TotpEnableBody = Type.Object({ totp_code: Code }, { additionalProperties: false });
export const TotpEnabled = Type.Object({ enabled: Type.Boolean(), recovery_codes: Type.Array(Type.String()) });

export const TotpDisableBody = Type.Object(
  { password: Type.String({ minLength: 1, maxLength: 1024 }), totp_code: Type.Optional(Code), recovery_code: Type.Optional(Code) },
  { additionalProperties: false },
);
export const TotpDisabled = Type.Object({ enabled: Type.Boolean() });

export const Jwks = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) });
