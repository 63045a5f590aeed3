import type { FastifyRequest } from 'fastify';
import type { App } from '../../types.js';
import { INNER_CALL_HEADER } from '../../plugins/auth.js';

/**
 * Headers that carry the caller's credential (and, for a cookie session, its CSRF proof), passed
 * on to the REST route exactly as they came, so the route's own credential check, scope, role and
 * tenant decide.
 */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'cookie', 'x-csrf-token', 'origin', 'user-agent'] as const;

export type RestAnswer =
  | { ok: true; status: number; data: unknown; meta?: unknown }
  | { ok: false; status: number; error: { code: string; message: string; details?: unknown } };

export type RestQuery = Record<string, string | number | boolean | undefined>;

export interface RestCall {
  (method: 'GET' | 'POST' | 'PUT', path: string, opts?: { query?: RestQuery; body?: unknown; headers?: Record<string, string | undefined> }): Promise<RestAnswer>;
}

/**
 * Calls a REST route as the MCP request's caller: same credential, same Host (so the same tenant),
 * same client address, over Fastify's inject, marked as the MCP endpoint's own call (an OAuth token
 * issued for the MCP endpoint works there, plugins/auth.ts). A tool is then exactly as permitted as the route it
 * mirrors, and its errors are the route's own.
 */
export function restAs(app: App, request: FastifyRequest): RestCall {
  const base: Record<string, string> = { host: request.host, 'x-request-id': request.id, [INNER_CALL_HEADER]: app.innerCallKey };
  for (const name of CREDENTIAL_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') base[name] = value;
  }
  return async (method, path, opts = {}) => {
    const headers = { ...base };
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = v;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await app.inject({
      method,
      url: `/api/v1${path}`,
      query: textQuery(opts.query),
      headers,
      remoteAddress: request.ip,
      payload: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const body = parse(res.body);
    if (res.statusCode < 400) return { ok: true, status: res.statusCode, data: body?.data, meta: body?.meta };
    const error = body?.error ?? { code: 'HTTP_ERROR', message: `The API answered ${res.statusCode}` };
    return { ok: false, status: res.statusCode, error };
  };
}

function textQuery(query: RestQuery | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') out[k] = String(v);
  return out;
}

function parse(text: string): { data?: unknown; meta?: unknown; error?: { code: string; message: string; details?: unknown } } | undefined {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
