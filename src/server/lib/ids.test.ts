import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

describe('ids', () => {
  it('have the documented shape and sort in the order they were drawn, also within one millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('evt'));
    expect(ids.filter((id) => !/^evt_[0-9a-hjkmnp-tv-z]{26}$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    // Many share a millisecond (same first 10 characters); order still follows drawing order.
    expect(new Set(ids.map((id) => id.slice(4, 14))).size).toBeLessThan(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('start a fresh random part in a new millisecond', async () => {
    const a = newId('find');
    await new Promise((r) => setTimeout(r, 5));
    const b = newId('find');
    expect(b.slice(5, 15) > a.slice(5, 15)).toBe(true);
    expect(b > a).toBe(true);
  });
});
