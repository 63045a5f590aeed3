import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, nextDelay, outcomeOf, RETRY_SCHEDULE_MS } from './dispatcher.js';
import type { SendResult } from './sender.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

describe('retry schedule', () => {
  it('waits 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h after failed attempts 1 to 9, then gives up', () => {
    expect(RETRY_SCHEDULE_MS).toEqual([5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H]);
    expect(MAX_ATTEMPTS).toBe(10);
    RETRY_SCHEDULE_MS.forEach((ms, i) => {
      expect(nextDelay(i + 1, 1, null, () => 0.5)).toBe(ms);
      expect(nextDelay(i + 1, 1, null, () => 0)).toBe(Math.round(ms * 0.9)); // jitter: ±10 %
      expect(nextDelay(i + 1, 1, null, () => 0.999999)).toBeLessThanOrEqual(Math.round(ms * 1.1));
    });
    expect(nextDelay(10, 1, null)).toBeNull();
  });

  it('scales for tests and honours Retry-After, up to a day', () => {
    expect(nextDelay(2, 0.001, null, () => 0.5)).toBe(300);
    expect(nextDelay(1, 1, 120 * S)).toBe(120 * S);
    expect(nextDelay(1, 1, 7 * 24 * H)).toBe(24 * H);
    expect(nextDelay(10, 1, 5 * S)).toBeNull();
  });

  it('turns an answer into the delivery state', () => {
    const r = (over: Partial<SendResult>): SendResult => ({ ok: false, status: null, body: null, error: 'x', durationMs: 1, retryAfterMs: null, ...over });
    const now = new Date('2026-01-01T00:00:00Z');
    expect(outcomeOf(r({ ok: true, status: 204, error: null }), 0, 1, now)).toMatchObject({ status: 'succeeded', nextAttemptAt: null });
    expect(outcomeOf(r({ status: 410 }), 0, 1, now)).toMatchObject({ status: 'failed', disableReason: expect.stringContaining('410') });
    const retry = outcomeOf(r({ status: 503, retryAfterMs: 30 * S }), 0, 1, now);
    expect(retry).toMatchObject({ status: 'pending', nextAttemptAt: new Date(now.getTime() + 30 * S) });
    expect(outcomeOf(r({ status: 500 }), 9, 1, now)).toMatchObject({ status: 'failed', nextAttemptAt: null });
  });
});
