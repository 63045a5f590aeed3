import { Type } from 'typebox';
import { StringEnum, Timestamp } from '../../lib/schemas.js';

/** A one-time link, answered once to the admin who issued it (the token is never stored). */
export const PasswordLink = Type.Object({
  url: Type.String({ description: 'Give this to the user: the web app page where they set their password. Works once.' }),
  expires_at: Timestamp,
});

const Token = Type.String({ minLength: 1, maxLength: 256, description: 'The token from the link (after `#token=`)' });
const Password = Type.String({ minLength: 1, maxLength: 1024, description: 'At least 12 characters, not the email, not a common password' });

export const LinkLookupBody = Type.Object({ token: Token }, { additionalProperties: false });

export const LinkInfo = Type.Object({
  kind: StringEnum(['invitation', 'password_reset'] as const),
  email: Type.String(),
  name: Type.String(),
  tenant: Type.Object({ slug: Type.String(), name: Type.String() }),
  expires_at: Timestamp,
});

export const SetPasswordBody = Type.Object({ token: Token, password: Password }, { additionalProperties: false });
