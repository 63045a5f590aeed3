import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../../db/driver.js';
import type { WebhookConfig } from '../../config.js';
import { unseal } from '../../lib/sealed.js';
import { createPoller } from '../../lib/poller.js';
import { claim, recordAttempts, releaseLease, type AttemptOutcome, type ClaimedDelivery } from './repo.js';
import { createSender, type Sender, type SendResult } from './sender.js';
import { signer } from './signing.js';

/** Waits after failed attempts 1…9; the 10th failure is final. "Immediately" is the first attempt. */
export const RETRY_SCHEDULE_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000];
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length + 1;
const DAY = 86_400_000;
/** A webhook whose every delivery failed for this long is turned off. */
export const DISABLE_AFTER_MS = 5 * DAY;
const BATCH = 1000;
const FLUSH_EVERY_MS = 1000;

/** When to try again after `attempts` failed attempts, or null when that was the last. */
export function nextDelay(attempts: number, scale: number, retryAfterMs: number | null, random = Math.random): number | null {
  if (attempts >= MAX_ATTEMPTS) return null;
  if (retryAfterMs !== null) return Math.min(retryAfterMs, DAY);
  const base = RETRY_SCHEDULE_MS[attempts - 1]! * scale;
  return Math.round(base * (0.9 + 0.2 * random())); // ±10 % jitter spreads retries of a burst
}

export function outcomeOf(r: SendResult, attemptsBefore: number, scale: number, now: Date): AttemptOutcome {
  const base = {
    attemptedAt: now, durationMs: r.durationMs, responseStatus: r.status, responseBody: r.body, error: r.error, disableReason: null,
  };
  if (r.ok) return { ...base, status: 'succeeded', nextAttemptAt: null };
  if (r.status === 410) {
    return { ...base, status: 'failed', nextAttemptAt: null, disableReason: 'The receiver answered 410 Gone' };
  }
  const delay = nextDelay(attemptsBefore + 1, scale, r.retryAfterMs);
  return delay === null
    ? { ...base, status: 'failed', nextAttemptAt: null }
    : { ...base, status: 'pending', nextAttemptAt: new Date(now.getTime() + delay) };
}

export interface Dispatcher {
  /** Looks for due deliveries now instead of at the next poll. */
  wake(): void;
  start(): void;
  /** Stops claiming, aborts attempts in flight (they stay due) and releases its leases. */
  stop(): Promise<void>;
}

/**
 * Delivers queued events. Each poll leases webhooks that have due deliveries (several instances
 * can poll side by side: a webhook is leased to one at a time), then sends each webhook's due
 * deliveries in order, up to `window` at a time; a failure ends that webhook's turn so the ones
 * behind it follow only as far as retries allow. An attempt is recorded after it is made, so a crash between
 * the two sends it again: at least once.
 */
export function createDispatcher(deps: { db: Database; config: WebhookConfig; sealKey: Buffer; log: FastifyBaseLogger }): Dispatcher {
  const { db, config, sealKey, log } = deps;
  const owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  // The lease outlives one attempt (bounded by the timeout) and is renewed with each write of results.
  const leaseMs = config.timeoutMs + 10_000;
  const inFlight = new Set<Promise<void>>();
  let sender: Sender | undefined; // while running

  async function deliverAll(items: ClaimedDelivery[]) {
    const first = items[0]!;
    const { tenant_id: tenantId, webhook_id: webhookId } = first;
    // Results are written in runs (one statement for many attempts), at the latest every second,
    // which also renews the lease; a crash before a write only means those are sent again.
    let done: { deliveryId: string; outcome: AttemptOutcome }[] = [];
    let flushedAt = Date.now();
    const flush = async () => {
      if (done.length === 0) return true;
      const run = done;
      done = [];
      flushedAt = Date.now();
      return db.tenant(tenantId, (q) => recordAttempts(q, tenantId, webhookId, run, owner, leaseMs, DISABLE_AFTER_MS));
    };
    try {
      const secrets = [unseal(sealKey, first.secret_enc)];
      if (first.previous_secret_enc) secrets.push(unseal(sealKey, first.previous_secret_enc));
      const signed = signer(secrets);
      // Sends start in order, at most `window` at a time (1: strictly one after another). After a
      // failure no new one starts: the rest wait for the next turn, behind its retry.
      let next = 0;
      let halt = false;
      const lane = async () => {
        while (poller.running && !halt && next < items.length) {
          const d = items[next++]!;
          const result = await sender!.send(d.url, signed(d.event_id, d.body), d.body);
          if (!poller.running) return; // aborted by shutdown: not an attempt, it stays due
          done.push({ deliveryId: d.delivery_id, outcome: outcomeOf(result, d.attempts, config.backoffScale, new Date()) });
          if (!result.ok) halt = true;
          else if (Date.now() - flushedAt >= FLUSH_EVERY_MS && !(await flush())) halt = true;
        }
      };
      await Promise.all(Array.from({ length: Math.min(config.window, items.length) }, lane));
      await flush();
    } catch (err) {
      log.error({ err, webhookId }, 'webhook delivery failed unexpectedly');
    } finally {
      await db.tenant(tenantId, (q) => releaseLease(q, tenantId, webhookId, owner)).catch(() => undefined);
    }
  }

  /** One claim: webhooks with due deliveries, as many as there are free places, each delivered in turn. */
  async function claimDue() {
    const free = config.concurrency - inFlight.size;
    if (free <= 0) return;
    const rows = await db.system((q) => claim(q, owner, leaseMs, free, BATCH));
    const byHook = new Map<string, ClaimedDelivery[]>();
    for (const r of rows) {
      const key = `${r.tenant_id}/${r.webhook_id}`;
      const items = byHook.get(key);
      if (items) items.push(r);
      else byHook.set(key, [r]);
    }
    for (const items of byHook.values()) {
      const work = deliverAll(items).finally(() => {
        inFlight.delete(work);
        // A full batch leaves more due behind it; otherwise the next poll comes soon enough,
        // and gathers more per claim than polling again at once would.
        if (items.length >= BATCH) poller.wake();
      });
      inFlight.add(work);
    }
  }

  const poller = createPoller({
    intervalMs: config.pollMs,
    claim: claimDue,
    onError: (err) => log.error({ err }, 'webhook dispatcher poll failed'),
  });

  return {
    wake: poller.wake,
    start() {
      if (poller.running) return;
      sender = createSender({ timeoutMs: config.timeoutMs, allowPrivate: config.allowPrivate });
      poller.start();
    },
    async stop() {
      if (!poller.running) return;
      const stopping = poller.stop();
      await sender?.close(); // ends the attempts in flight: they stay due
      await stopping;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
