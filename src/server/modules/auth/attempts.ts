import type { AppContext } from '../../types.js';
import { AppError } from '../../lib/errors.js';

/**
 * What counts as an attempt to guess a secret — a login, a password or code confirmation, a
 * one-time link — and how many of them a key (an account, an IP) gets in the login window.
 */
export function createAttempts({ config, loginThrottle: throttle }: Pick<AppContext, 'config' | 'loginThrottle'>) {
  return {
    accountKey: (email: string) => ({ key: `acct:${email.toLowerCase()}`, limit: config.loginMaxFailures }),
    ipKey: (ip: string | null) => ({ key: `ip:${ip ?? 'unknown'}`, limit: config.loginMaxFailuresPerIp }),

    /**
     * Counts an attempt on `keys` before anything is checked (429 when one is at its limit). The
     * attempt stays counted as a failure unless the caller releases it on success.
     */
    async reserve(keys: { key: string; limit: number }[]): Promise<() => Promise<void>> {
      const { wait, release } = await throttle.reserve(keys);
      if (wait > 0) {
        throw new AppError(429, 'RATE_LIMIT_EXCEEDED', 'Too many failed attempts; try again later', undefined, { 'retry-after': String(wait) });
      }
      return release;
    },

    /** A success forgets the account's failures. */
    clear: (email: string) => throttle.clear(`acct:${email.toLowerCase()}`),
  };
}

export type Attempts = ReturnType<typeof createAttempts>;
