import type { FastifyInstance } from 'fastify';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ErrorBody } from '../lib/schemas.js';

/** A response whose body does not match what its route declares (and so what the OpenAPI document says). */
export interface ResponseMismatch {
  method: string;
  /** The route's path pattern, e.g. /api/v1/findings/:id; the URL for unrouted requests. */
  route: string;
  status: number;
  problem: string;
}

/**
 * The contract check (AppDeps.checkResponses; the test harness turns it on, main.ts never does):
 * every response body is validated against the schema its route declares for the status code.
 * Most bodies are JSON rendered by PostgreSQL and sent as strings, which Fastify's serializer never
 * sees, so the check parses the payload as it leaves. An error status a route does not declare
 * must still be the error envelope; a success status it does not declare is a mismatch, and so is
 * a field the schema does not list.
 */
/**
 * The schema as the check applies it: an object that lists its properties and says nothing of
 * others may not have others, so a field the SQL renders and the document does not mention is a
 * mismatch too (Fastify's serializer would drop it silently from an object, never from a string).
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, ps]) => [p, closed(ps)])) : closed(v);
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

export function registerResponseCheck(app: FastifyInstance, report: (m: ResponseMismatch) => void) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const compiled = new WeakMap<object, ValidateFunction>();
  const validator = (schema: object) => {
    let v = compiled.get(schema);
    if (!v) compiled.set(schema, (v = ajv.compile(closed(schema) as object)));
    return v;
  };

  app.addHook('onSend', async (request, reply, payload) => {
    const status = reply.statusCode;
    const route = request.routeOptions.url ?? request.url;
    const fail = (problem: string) => report({ method: request.method, route, status, problem });
    // A route that declares no access rule is a plugin's (the CORS preflight), not one of the API's.
    const access = request.routeOptions.config as { scope?: string; public?: boolean; principal?: string };
    if (!request.is404 && !access.scope && !access.public && !access.principal) return payload;
    // An unrouted GET the web app's history fallback answered with its page (plugins/web.ts).
    if (request.is404 && status < 400) return payload;
    const declared = request.routeOptions.schema?.response as Record<string, object> | undefined;
    const schema = declared?.[status] ?? declared?.[`${String(status)[0]}XX`] ?? declared?.[`${String(status)[0]}xx`] ?? declared?.default;
    // A file (a report download, a logo): its bytes are the document, not an envelope.
    if (schema && 'contentMediaType' in schema) return payload;
    // A stream declared by media type (the events stream): not JSON, nothing to validate.
    if (schema && 'content' in schema && !Object.keys(schema.content as object).some((t) => /json/.test(t))) return payload;
    if (!schema && status < 400) {
      fail(declared ? `status ${status} is not among the declared responses (${Object.keys(declared).join(', ')})` : 'the route declares no response schema');
      return payload;
    }
    const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined;
    if (status === 204 || status === 304) return payload; // Fastify sends no body with these, whatever the payload
    if (text === undefined) {
      fail('the body is not a string or buffer (a stream?) and cannot be checked');
      return payload;
    }
    if (!/json/.test(String(reply.getHeader('content-type') ?? ''))) return payload;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      fail('the body is not valid JSON');
      return payload;
    }
    const validate = validator(schema ?? ErrorBody);
    if (!validate(body)) {
      const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
      fail(`${schema ? 'body' : 'undeclared error status, body is not the error envelope:'} ${errors.join('; ')}`);
    }
    return payload;
  });
}
