import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import argon2 from 'argon2';
import { ValidationError } from './errors.js';

/** OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

const COMMON_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'common-passwords.txt');
let common: Set<string> | undefined;

function commonPasswords(): Set<string> {
  common ??= new Set(
    fs
      .readFileSync(COMMON_FILE, 'utf8')
      .split('\n')
      .map((l) => l.trim().toLowerCase())
      .filter((l) => l !== '' && !l.startsWith('#')),
  );
  return common;
}

/** Throws a field error naming `field` when the password breaks the policy. */
export function checkPasswordPolicy(password: string, email: string, field = 'password'): void {
  const fail = (message: string) => {
    throw new ValidationError([{ field, message }]);
  };
  if ([...password].length < MIN_PASSWORD_LENGTH) fail(`must be at least ${MIN_PASSWORD_LENGTH} characters long`);
  if (password.length > MAX_PASSWORD_LENGTH) fail(`must be at most ${MAX_PASSWORD_LENGTH} characters long`);
  const lower = password.toLowerCase();
  const mail = email.toLowerCase();
  if (lower === mail || lower === mail.split('@')[0]) fail('must not be your email address');
  if (commonPasswords().has(lower)) fail('is too common; choose a longer, less guessable password');
  if (/^(.)\1*$/.test(password)) fail('must not repeat one character');
}

/** The argon2id work factors; only ARGON2_OPTIONS' values are ever used outside the test harness. */
export interface PasswordCost {
  memoryCost: number;
  timeCost: number;
}

/** Hashes and checks passwords at one cost; the server holds one of these in its context. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** True for a hash made at another cost (or unreadable): it is replaced at the next login. */
  needsRehash(hash: string): boolean;
  /**
   * A hash of a random password at the same cost: an unknown email is checked against it so it
   * costs the same time as a wrong password.
   */
  dummyHash(): Promise<string>;
}

/**
 * A hasher at OWASP's cost. `cost` exists so the test harness can pass a cheaper one through
 * buildApp's deps (AppDeps.passwordCost); no setting or environment variable reaches it.
 */
export function createPasswordHasher(cost: PasswordCost = ARGON2_OPTIONS): PasswordHasher {
  const options = { ...ARGON2_OPTIONS, memoryCost: cost.memoryCost, timeCost: cost.timeCost };
  let dummy: Promise<string> | undefined;
  const hash = (password: string) => argon2.hash(password, options);
  return {
    hash,
    async verify(stored, password) {
      try {
        return await argon2.verify(stored, password);
      } catch {
        return false;
      }
    },
    needsRehash(stored) {
      try {
        return argon2.needsRehash(stored, options);
      } catch {
        return true;
      }
    },
    dummyHash() {
      dummy ??= hash(randomBytes(24).toString('hex'));
      return dummy;
    },
  };
}
