import { randomFillSync } from 'node:crypto';

// Crockford base32, lower-case: sorts the same as the time it encodes.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix = 'proj' | 'find' | 'asset' | 'client' | 'user' | 'ten' | 'tok' | 'sa' | 'evt' | 'sess' | 'wh' | 'dlv';

// Random bytes are drawn a few KiB at a time: one call per id costs more than the rest of newId.
const pool = Buffer.alloc(4096);
let used = pool.length;

/**
 * `proj_01jd3k…`: 10 characters of millisecond time then 16 random (80 bits), so new rows land at
 * the end of the primary-key index instead of at random pages.
 */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  if (used + 16 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  let rand = '';
  for (let i = used; i < used + 16; i++) rand += ALPHABET[pool[i]! % 32];
  used += 16;
  return `${prefix}_${time}${rand}`;
}
