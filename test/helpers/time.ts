import { TOTP, Secret } from 'otpauth';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value. */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(50);
  }
}

/** Waits until the current fixed window of `seconds` has at least `margin` ms left. */
export async function freshWindow(seconds: number, margin = 8000): Promise<void> {
  const ms = seconds * 1000;
  const left = ms - (Date.now() % ms);
  if (left < margin) await sleep(left + 50);
}

export function totpCode(secretBase32: string, timestamp = Date.now()): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secretBase32) }).generate({ timestamp });
}

/** Waits until a TOTP step has at least `margin` ms left, so a test's codes stay in one step. */
export async function freshStep(margin = 5000): Promise<void> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < margin) await sleep(left + 50);
}
