import { Type } from 'typebox';
import type { Module } from '../../types.js';
import { Envelope, StringEnum, publicErrorResponses } from '../../lib/schemas.js';

const Health = Type.Object({
  status: StringEnum(['ok', 'degraded'] as const),
  version: Type.String(),
  database: Type.Object({ kind: StringEnum(['pglite', 'postgres'] as const), reachable: Type.Boolean() }),
});

export const healthModule: Module = {
  name: 'health',
  tag: { name: 'System', description: 'Health and the API description.' },
  register(app, ctx) {
    app.get('/health', {
      schema: {
        operationId: 'getHealth',
        tags: ['System'],
        summary: 'Liveness and database reachability (no credential needed)',
        security: [],
        response: { 200: Envelope(Health), 503: Envelope(Health), ...publicErrorResponses },
      },
      config: { public: true },
    }, async (_req, reply) => {
      const reachable = await ctx.db.ping();
      return reply.code(reachable ? 200 : 503).send({
        success: true as const,
        data: { status: reachable ? ('ok' as const) : ('degraded' as const), version: ctx.version, database: { kind: ctx.db.kind, reachable } },
      });
    });
  },
};
