import { Type } from 'typebox';
import type { Module } from '../../types.js';
import { callerOf } from '../../lib/caller.js';
import { Envelope, IdParams, ListEnvelope, errorResponses } from '../../lib/schemas.js';
import { sendData, sendPage } from '../../lib/reply.js';
import { deriveKey } from '../../lib/sealed.js';
import { createDispatcher } from './dispatcher.js';
import { Delivery, DeliveryDetail, DeliveryListQuery, DeliveryParams, WebhookListQuery, webhookSchemas } from './schemas.js';
import { createWebhookService } from './service.js';

export const webhooksModule: Module = {
  name: 'webhooks',
  tag: { name: 'Webhooks', description: 'Signed HTTP callbacks (Standard Webhooks) for the events of GET /webhooks/events.' },
  ids: { wh: 'webhook', dlv: 'webhook delivery' },
  events: [{ type: 'webhook.test', description: 'Sent by POST /webhooks/{id}/test to check a receiver.', subscribable: false }],
  register(app, ctx) {
    const sealKey = deriveKey(ctx.secret, 'webhook-secrets');
    const dispatcher = createDispatcher({ db: ctx.db, config: ctx.config.webhooks, sealKey, log: app.log });
    const { Webhook, WebhookCreate, WebhookUpdate, WebhookWithSecret } = webhookSchemas(ctx.registry.subscribableEvents);
    const service = createWebhookService({ db: ctx.db, config: ctx.config, sealKey, wake: dispatcher.wake });
    const tags = ['Webhooks'];
    const read = { scope: 'webhooks:read' } as const;
    const write = { scope: 'webhooks:write' } as const;

    app.get('/webhooks', {
      schema: { operationId: 'listWebhooks', tags, summary: 'List webhooks', querystring: WebhookListQuery, response: { 200: ListEnvelope(Webhook), ...errorResponses } },
      config: read,
    }, async (req, reply) => sendPage(reply, await service.list(callerOf(req), req.query)));

    app.post('/webhooks', {
      schema: { operationId: 'createWebhook', tags, summary: 'Create a webhook (its secret is shown only in this answer)', body: WebhookCreate, response: { 201: Envelope(WebhookWithSecret), ...errorResponses } },
      config: write,
    }, async (req, reply) => sendData(reply, await service.create(callerOf(req), req.body), 201));

    app.get('/webhooks/:id', {
      schema: { operationId: 'getWebhook', tags, summary: 'Get a webhook', params: IdParams, response: { 200: Envelope(Webhook), ...errorResponses } },
      config: read,
    }, async (req, reply) => sendData(reply, await service.get(callerOf(req), req.params.id)));

    app.put('/webhooks/:id', {
      schema: { operationId: 'updateWebhook', tags, summary: 'Update a webhook (only the fields sent)', params: IdParams, body: WebhookUpdate, response: { 200: Envelope(Webhook), ...errorResponses } },
      config: write,
    }, async (req, reply) => sendData(reply, await service.update(callerOf(req), req.params.id, req.body)));

    app.delete('/webhooks/:id', {
      schema: { operationId: 'deleteWebhook', tags, summary: 'Delete a webhook and its delivery log', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
      config: write,
    }, async (req, reply) => {
      await service.remove(callerOf(req), req.params.id);
      return reply.code(204).send(null);
    });

    app.post('/webhooks/:id/rotate-secret', {
      schema: { operationId: 'rotateWebhookSecret', tags, summary: 'Replace the signing secret; the old one also signs for 24 hours', params: IdParams, response: { 200: Envelope(WebhookWithSecret), ...errorResponses } },
      config: write,
    }, async (req, reply) => sendData(reply, await service.rotateSecret(callerOf(req), req.params.id)));

    app.post('/webhooks/:id/test', {
      schema: { operationId: 'testWebhook', tags, summary: 'Send a webhook.test event to this webhook', params: IdParams, response: { 202: Envelope(Delivery), ...errorResponses } },
      config: write,
    }, async (req, reply) => sendData(reply, await service.test(callerOf(req), req.params.id), 202));

    app.get('/webhooks/:id/deliveries', {
      schema: { operationId: 'listWebhookDeliveries', tags, summary: "List a webhook's deliveries, newest first", params: IdParams, querystring: DeliveryListQuery, response: { 200: ListEnvelope(Delivery), ...errorResponses } },
      config: read,
    }, async (req, reply) => sendPage(reply, await service.listDeliveries(callerOf(req), req.params.id, req.query)));

    app.get('/webhooks/:id/deliveries/:delivery_id', {
      schema: { operationId: 'getWebhookDelivery', tags, summary: 'One delivery, with the request body it sends and the answer it got', params: DeliveryParams, response: { 200: Envelope(DeliveryDetail), ...errorResponses } },
      config: read,
    }, async (req, reply) => sendData(reply, await service.getDelivery(callerOf(req), req.params.id, req.params.delivery_id)));

    app.post('/webhooks/:id/deliveries/:delivery_id/redeliver', {
      schema: { operationId: 'redeliverWebhookDelivery', tags, summary: 'Send a delivery again, with the same webhook-id', params: DeliveryParams, response: { 202: Envelope(Delivery), ...errorResponses } },
      config: write,
    }, async (req, reply) => sendData(reply, await service.redeliver(callerOf(req), req.params.id, req.params.delivery_id), 202));

    // Every instance may run the dispatcher; the app builder starts and stops it with the server.
    return { workers: ctx.config.webhooks.dispatcher ? [{ name: 'webhook-dispatcher', ...dispatcher }] : [] };
  },
};
