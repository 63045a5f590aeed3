import type { FastifyRequest } from 'fastify';
import type { Principal } from './principal.js';

/** Who is acting, for services: the tenant every query is scoped to, and the actor events record. */
export interface Caller {
  tenantId: string;
  principal: Principal | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export function callerOf(request: FastifyRequest): Caller {
  return {
    tenantId: request.principal.tenantId,
    principal: request.principal,
    ip: request.ip ?? null,
    userAgent: request.headers['user-agent'] ?? null,
    requestId: request.id,
  };
}

/** A caller for work the system does by itself (start-up, operators' commands, tests). */
export function systemCaller(tenantId: string): Caller {
  return { tenantId, principal: null, ip: null, userAgent: null, requestId: null };
}
