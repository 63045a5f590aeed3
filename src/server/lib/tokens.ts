import { createHmac, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * API token secrets: `nf_live_` + 40 random hex characters (160 bits) + the 8-hex-character CRC32 of
 * those 40, so a mistyped or made-up token is refused without a database lookup, and secret
 * scanners can recognise ours.
 */
export const TOKEN_PREFIX = 'nf_live_';
export const TOKEN_PATTERN = /^nf_live_([0-9a-f]{40})([0-9a-f]{8})$/;

function checksum(body: string): string {
  return crc32(body).toString(16).padStart(8, '0');
}

export function generateToken(): string {
  const body = randomBytes(20).toString('hex');
  return `${TOKEN_PREFIX}${body}${checksum(body)}`;
}

export function isWellFormedToken(token: string): boolean {
  const match = TOKEN_PATTERN.exec(token);
  return match !== null && checksum(match[1]!) === match[2];
}

/** Keyed hash under which a token is stored and looked up; the secret itself is never stored. */
export function hashToken(secret: string, token: string): Buffer {
  return createHmac('sha256', secret).update(token).digest();
}

/** `nf_live_3f2a…9c1d`: enough to recognise a token in a list, useless to an attacker. */
export function maskToken(token: string): string {
  return `${token.slice(0, TOKEN_PREFIX.length + 4)}…${token.slice(-4)}`;
}
