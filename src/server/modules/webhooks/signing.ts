import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks (standardwebhooks.com): the secret is `whsec_` + base64 of 32 random bytes;
 * a signature is `v1,` + base64 HMAC-SHA-256 over `id.timestamp.body`, keyed with the decoded bytes.
 */
export const SECRET_PREFIX = 'whsec_';

export function newSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

function signWith(key: Buffer, msgId: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${msgId}.${timestamp}.${body}`).digest('base64')}`;
}

export type Signer = (msgId: string, body: string, now?: number) => Record<string, string>;

/**
 * Signs attempts with these secrets (decoded once): during a rotation's overlap each body is signed
 * with both.
 */
export function signer(secrets: string[]): Signer {
  const keys = secrets.map(keyOf);
  return (msgId, body, now = Date.now()) => {
    const timestamp = Math.floor(now / 1000);
    let signature = signWith(keys[0]!, msgId, timestamp, body);
    for (let i = 1; i < keys.length; i++) signature += ` ${signWith(keys[i]!, msgId, timestamp, body)}`;
    return { 'webhook-id': msgId, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
  };
}

