import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { registerResponseCheck, type ResponseMismatch } from './response-check.js';

async function appWith(send: (reply: import('fastify').FastifyReply) => unknown) {
  const found: ResponseMismatch[] = [];
  const app = Fastify();
  registerResponseCheck(app, (m) => found.push(m));
  app.get('/thing', {
    schema: {
      response: {
        200: { type: 'object', properties: { id: { type: 'string' }, n: { type: 'integer' } }, required: ['id'] },
        404: { type: 'object', properties: { success: { const: false } }, required: ['success'] },
      },
    },
    // API routes declare their access rule (plugins/auth.ts); routes without one are plugins' own.
    config: { public: true },
  }, async (_req, reply) => send(reply));
  app.options('/plugin', async (_req, reply) => reply.code(204).send());
  await app.ready();
  return { app, found };
}

describe('response contract check', () => {
  it('passes a body that matches its schema, pre-rendered or serialized', async () => {
    for (const send of [
      (r: import('fastify').FastifyReply) => r.type('application/json').send('{"id":"x","n":1}'),
      (r: import('fastify').FastifyReply) => r.send({ id: 'x', n: 1 }),
    ]) {
      const { app, found } = await appWith(send);
      expect((await app.inject('/thing')).statusCode).toBe(200);
      expect(found).toEqual([]);
    }
  });

  it('reports a pre-rendered body with a wrong type, a missing field or a field the schema does not list', async () => {
    const { app, found } = await appWith((r) => r.type('application/json').send('{"n":"1","extra":true}'));
    await app.inject('/thing');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ method: 'GET', route: '/thing', status: 200 });
    expect(found[0]!.problem).toMatch(/required.*id/);
    expect(found[0]!.problem).toMatch(/\/n must be integer/);
    expect(found[0]!.problem).toMatch(/additional.*extra/);
  });

  it('reports an undeclared success status, and an undeclared error status that is not the envelope', async () => {
    const created = await appWith((r) => r.code(201).send({ id: 'x' }));
    await created.app.inject('/thing');
    expect(created.found[0]!.problem).toMatch(/201 is not among the declared/);
    const teapot = await appWith((r) => r.code(418).type('application/json').send('{"oops":1}'));
    await teapot.app.inject('/thing');
    expect(teapot.found[0]!.problem).toMatch(/not the error envelope/);
  });

  it('leaves alone routes that are not the API\'s (a plugin\'s, such as the CORS preflight)', async () => {
    const { app, found } = await appWith((r) => r.send({ id: 'x' }));
    expect((await app.inject({ method: 'OPTIONS', url: '/plugin' })).statusCode).toBe(204);
    expect(found).toEqual([]);
  });
});
