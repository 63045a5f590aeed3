import { Type } from 'typebox';
import { Name } from '../../lib/schemas.js';
import { User } from '../users/schemas.js';
import { TokenResponse } from '../auth/schemas.js';

export const SetupStatus = Type.Object({
  needs_setup: Type.Boolean({ description: 'True while the tenant has no user and setup is on: the web app shows its setup page' }),
  tenant: Type.String({ description: 'The slug of the tenant this host belongs to', examples: ['default'] }),
});

export const SetupBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 320 }),
    name: Name({ maxLength: 200 }),
    password: Type.String({ minLength: 1, maxLength: 1024, description: 'At least 12 characters, not the email, not a common password' }),
  },
  { additionalProperties: false },
);

export const SetupResult = Type.Object({
  user: User,
  tenant: Type.Object({ id: Type.String(), slug: Type.String() }),
  session: Type.Object({ ...TokenResponse.properties }, { description: 'The new session, as /auth/login answers it; also set as cookies' }),
});
