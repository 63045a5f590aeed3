import { Type } from 'typebox';
import type { Module } from '../../types.js';
import { callerOf } from '../../lib/caller.js';
import { FilterString, ListEnvelope, ListQuerySchema, Nullable, StringEnum, Timestamp, errorResponses } from '../../lib/schemas.js';
import { sendPage } from '../../lib/reply.js';
import { listRows } from '../../lib/list.js';
import { auditLog } from './repo.js';

const AuditEvent = Type.Object({
  id: Type.String(),
  action: Type.String({ examples: ['auth.login_failed'] }),
  type: Type.String(),
  actor: Type.Object({ type: StringEnum(['user', 'service_account', 'system', 'anonymous'] as const), id: Nullable(Type.String()) }),
  credential_id: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  request_id: Nullable(Type.String()),
  object_type: Nullable(Type.String()),
  object_id: Nullable(Type.String()),
  changes: Nullable(Type.Object({}, { additionalProperties: true })),
  data: Type.Any({ description: 'The object, or details of the event' }),
  created_at: Timestamp,
});

const AuditQuery = ListQuerySchema(['created_at'], {
  actor: FilterString('Id of the user or service account who acted'),
  actor_type: FilterString('user, service_account, system or anonymous'),
  action: FilterString('Event types, comma-separated; `auth.*` for a family'),
  object_id: FilterString('Events about this object (also after it was deleted)'),
  object_type: FilterString('e.g. user, api_token, session, finding'),
  created_after: FilterString('ISO 8601 date or date-time'),
  created_before: FilterString('ISO 8601 date or date-time'),
});

export const auditModule: Module = {
  name: 'audit',
  tag: { name: 'Audit log', description: 'Who did what and when: logins, tokens, roles, and every change. Admins only.' },
  register(app, ctx) {
    app.get('/audit-log', {
      schema: { operationId: 'listAuditLog', tags: ['Audit log'], summary: 'The audit log, newest first', querystring: AuditQuery, response: { 200: ListEnvelope(AuditEvent), ...errorResponses } },
      config: { scope: 'admin' },
    }, async (req, reply) => {
      const caller = callerOf(req);
      return sendPage(reply, await ctx.db.tenant(caller.tenantId, (q) => listRows(q, auditLog, caller.tenantId, req.query)));
    });
  },
};
