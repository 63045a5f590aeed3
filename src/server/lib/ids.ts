import { randomFillSync } from 'node:crypto';

// Crockford base32, lower-case: sorts the same as the time it encodes.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A prefix some module declares in its `ids` (test/platform checks every one used is declared). */
export type IdPrefix = string;

// Random bytes are drawn a few KiB at a time: one call per id costs more than the rest of newId.
const pool = Buffer.alloc(4096);
let used = pool.length;

/** The time and random part of the last id, as base32 digit values. */
let lastTime = -1;
const lastRandom = new Uint8Array(16);

/**
 * `proj_01jd3k…`: 10 characters of millisecond time then 16 random (80 bits), so new rows land at
 * the end of the primary-key index instead of at random pages.
 *
 * Monotonic in this process (as ULID's monotonic mode): an id drawn in the same millisecond as the
 * one before, or while the clock stood behind it, takes that one's time and random part plus one.
 * So ids drawn one after another sort in that order, and rows that share a timestamp (several
 * written by one statement; PGlite's clock counts whole milliseconds) keep the order they were
 * made in wherever `ORDER BY created_at, id` decides.
 */
export function newId(prefix: IdPrefix): string {
  const now = Date.now();
  if (now > lastTime) {
    lastTime = now;
    if (used + 16 > pool.length) {
      randomFillSync(pool);
      used = 0;
    }
    for (let i = 0; i < 16; i++) lastRandom[i] = pool[used + i]! % 32;
    used += 16;
  } else {
    // 80 random bits leave room: carrying out of the top digit would take 2^79 ids in one millisecond.
    let i = 15;
    while (lastRandom[i] === 31) lastRandom[i--] = 0;
    lastRandom[i]!++;
  }
  let time = '';
  let t = lastTime;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = '';
  for (let i = 0; i < 16; i++) rand += ALPHABET[lastRandom[i]!];
  return `${prefix}_${time}${rand}`;
}
