import type { Database } from '../../../db/driver.js';
import type { Config } from '../../config.js';
import type { Caller } from '../../lib/caller.js';
import { deleteRow, mustExist, getRow, insertRow, updateRow } from '../../lib/crud.js';
import { ConflictError, fieldError, found } from '../../lib/errors.js';
import { recordEvent } from '../../lib/events.js';
import { newId } from '../../lib/ids.js';
import { listRows, type ListQuery } from '../../lib/list.js';
import { seal } from '../../lib/sealed.js';
import * as repo from './repo.js';
import { newSigningSecret } from './signing.js';
import { urlProblem } from './ssrf.js';

export type WebhookService = ReturnType<typeof createWebhookService>;

/** How long a replaced secret keeps signing deliveries beside the new one. */
export const ROTATION_OVERLAP_HOURS = 24;

interface WebhookFields {
  url?: string;
  events?: string[];
  description?: string | null;
  active?: boolean;
}

const withSecret = (json: string, secret: string) => JSON.stringify({ ...JSON.parse(json), secret });

export function createWebhookService(deps: { db: Database; config: Config; sealKey: Buffer; wake: () => void }) {
  const { db, config, sealKey, wake } = deps;

  async function checkFields(f: WebhookFields) {
    if (f.url !== undefined) {
      const problem = await urlProblem(f.url, config.webhooks.allowPrivate);
      if (problem) throw fieldError('url', problem);
    }
    if (f.events && f.events.includes('*') && f.events.length > 1) throw fieldError('events', 'use "*" alone or list types');
  }

  return {
    list: (caller: Caller, query: ListQuery) => db.tenant(caller.tenantId, (q) => listRows(q, repo.webhooks, caller.tenantId, query)),

    async get(caller: Caller, id: string): Promise<string> {
      return found(await db.tenant(caller.tenantId, (q) => getRow(q, repo.webhooks, caller.tenantId, id)), 'Webhook');
    },

    /** Returns the webhook with its signing secret, which is never shown again. */
    async create(caller: Caller, body: WebhookFields & { url: string; events: string[] }): Promise<string> {
      await checkFields(body);
      const secret = newSigningSecret();
      const row = {
        id: newId('wh'), url: body.url, events: body.events, description: body.description ?? null,
        active: body.active ?? true, secret_enc: seal(sealKey, secret),
      };
      const json = await db.tenant(caller.tenantId, (q) => insertRow(q, repo.webhooks, caller.tenantId, row, { caller, objectType: 'webhook' }));
      return withSecret(json, secret);
    },

    async update(caller: Caller, id: string, patch: WebhookFields): Promise<string> {
      await checkFields(patch);
      const row: Record<string, unknown> = { ...patch };
      // Turning a webhook back on clears why it was turned off.
      if (patch.active === true) Object.assign(row, { disabled_reason: null, disabled_at: null, failing_since: null });
      return found(await db.tenant(caller.tenantId, (q) => updateRow(q, repo.webhooks, caller.tenantId, id, row, { caller, objectType: 'webhook' })), 'Webhook');
    },

    async remove(caller: Caller, id: string): Promise<void> {
      const json = await db.tenant(caller.tenantId, (q) => deleteRow(q, repo.webhooks, caller.tenantId, id, { caller, objectType: 'webhook' }));
      found(json, 'Webhook');
    },

    /** New secret, shown once; the old one keeps signing for 24 hours. */
    async rotateSecret(caller: Caller, id: string): Promise<string> {
      const secret = newSigningSecret();
      const json = await db.tenantTx(caller.tenantId, async (q) => {
        const json = await repo.rotateSecret(q, caller.tenantId, id, seal(sealKey, secret), ROTATION_OVERLAP_HOURS);
        if (json) await recordEvent(q, caller, { type: 'webhook.secret_rotated', objectType: 'webhook', objectId: id, data: json });
        return json;
      });
      return withSecret(found(json, 'Webhook'), secret);
    },

    listDeliveries: (caller: Caller, webhookId: string, query: ListQuery) =>
      db.tenant(caller.tenantId, async (q) => {
        await mustExist(q, 'webhooks', caller.tenantId, webhookId, 'Webhook');
        return listRows(q, repo.deliveries, caller.tenantId, query, { webhook_id: webhookId });
      }),

    /** One delivery, with the body that was sent. */
    getDelivery: (caller: Caller, webhookId: string, deliveryId: string) =>
      db.tenant(caller.tenantId, async (q) => {
        await mustExist(q, 'webhooks', caller.tenantId, webhookId, 'Webhook');
        return found(await repo.deliveryDetail(q, caller.tenantId, webhookId, deliveryId), 'Delivery');
      }),

    /** Queues the delivery's event again (same webhook-id); returns the new delivery. */
    async redeliver(caller: Caller, webhookId: string, deliveryId: string): Promise<string> {
      const json = await db.tenantTx(caller.tenantId, async (q) => {
        const d = found(await repo.findDelivery(q, caller.tenantId, webhookId, deliveryId), 'Delivery');
        if (!(await repo.isActive(q, caller.tenantId, webhookId))) throw new ConflictError('Webhook is not active; turn it on first');
        return repo.queueDelivery(q, caller.tenantId, webhookId, d.event_id, d.event_type, deliveryId);
      });
      wake();
      return json;
    },

    /** Sends a webhook.test event to this webhook only; returns its delivery. */
    async test(caller: Caller, webhookId: string): Promise<string> {
      const json = await db.tenantTx(caller.tenantId, async (q) => {
        const active = await repo.isActive(q, caller.tenantId, webhookId);
        found(active, 'Webhook');
        if (!active) throw new ConflictError('Webhook is not active; turn it on first');
        const data = { webhook_id: webhookId, message: 'This is a test event from NEURO.' };
        const eventId = await recordEvent(q, caller, { type: 'webhook.test', objectType: 'webhook', objectId: webhookId, data });
        return repo.queueDelivery(q, caller.tenantId, webhookId, eventId, 'webhook.test', null);
      });
      wake();
      return json;
    },
  };
}
