import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import sjson from 'secure-json-parse';
import { AppError, type FieldError } from '../lib/errors.js';

/** Fields the server sets itself; a client sending them gets a precise error instead of "unknown". */
const READ_ONLY = new Set(['id', 'tenant_id', 'created_at', 'updated_at', 'cvss_score', 'finding_count']);

interface AjvError {
  keyword: string;
  instancePath: string;
  schemaPath?: string;
  message?: string;
  params: Record<string, unknown>;
}

function fieldPath(instancePath: string, prefix: string): string {
  const path = instancePath
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
  return path || prefix;
}

/** Turns Ajv's errors into one `{field, message}` per bad field, in words a client can act on. */
export function validationDetails(errors: AjvError[], context: string): FieldError[] {
  const byField = new Map<string, string>();
  // "One of these fields is required" (lib/schemas.ts OneOfRequired): one error naming the first.
  const alternatives = errors.filter((e) => e.keyword === 'required' && /\/anyOf\/\d+\/required$/.test(e.schemaPath ?? ''));
  if (alternatives.length > 1) {
    const [first, ...rest] = alternatives.map((e) => String(e.params.missingProperty));
    const parent = fieldPath(alternatives[0]!.instancePath, '');
    byField.set([parent, first].filter(Boolean).join('.'), `is required (or ${rest.join(', ')})`);
    errors = errors.filter((e) => !alternatives.includes(e) && !(e.keyword === 'anyOf' && e.instancePath === alternatives[0]!.instancePath));
  }
  for (const e of errors) {
    let field = fieldPath(e.instancePath, context);
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      field = [fieldPath(e.instancePath, ''), String(e.params.missingProperty)].filter(Boolean).join('.');
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      const name = String(e.params.additionalProperty);
      field = [fieldPath(e.instancePath, ''), name].filter(Boolean).join('.');
      message = READ_ONLY.has(name) ? 'is read-only' : context === 'querystring' ? 'is not a known parameter' : 'is not a known field';
    } else if (e.keyword === 'enum') {
      message = `must be one of: ${(e.params.allowedValues as unknown[]).filter((v) => v !== null).join(', ')}`;
    } else if (e.keyword === 'type') {
      message = `must be ${String(e.params.type).replace(',', ' or ')}`;
    } else if (e.keyword === 'format') {
      message = `must be a valid ${String(e.params.format)}`;
    }
    if (!byField.has(field)) byField.set(field, message);
  }
  return [...byField].map(([field, message]) => ({ field, message }));
}

function send(reply: FastifyReply, status: number, code: string, message: string, details?: FieldError[]) {
  const error: Record<string, unknown> = { code, message };
  if (details && details.length > 0) error.details = details;
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify({ success: false, error }));
}

/**
 * URLs the router cannot take (bad percent-encoding, a path segment over the router's limit) never
 * reach a route or the error handler; Fastify hands them here (its `frameworkErrors` option).
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  return send(reply, 400, 'VALIDATION_ERROR', tooLong ? 'A path segment is too long' : 'The URL is not valid', [
    { field: 'path', message: tooLong ? 'has a segment that is too long' : 'is not a valid URL path' },
  ]);
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'The request took too long to arrive'],
  HPE_HEADER_OVERFLOW: [431, 'HEADERS_TOO_LARGE', 'Request headers are too large'],
};

/** Requests Node's HTTP parser refuses (Fastify's `clientErrorHandler`): the envelope, then close. */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'VALIDATION_ERROR', 'Malformed HTTP request'];
  this.log.debug({ code: err.code }, 'client error');
  const body = JSON.stringify({ success: false, error: { code, message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${code}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** The one error handler: every failure leaves as the documented envelope; a 500 never leaks internals. */
export function registerErrorHandling(app: FastifyInstance) {
  // JSON bodies: an empty body is "no body" (clients send Content-Type on GET and DELETE too);
  // __proto__ and constructor keys are refused.
  // Only JSON is accepted: anything else (Fastify's default text/plain included) is a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch {
      done(new AppError(400, 'VALIDATION_ERROR', 'Malformed JSON body', [{ field: 'body', message: 'is not valid JSON' }]), undefined);
    }
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, 'NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`),
  );

  app.setErrorHandler((error: FastifyError & { validation?: AjvError[]; validationContext?: string }, request, reply) => {
    if (error instanceof AppError) {
      if (error.headers) reply.headers(error.headers);
      return send(reply, error.statusCode, error.code, error.message, error.details);
    }
    if (error.validation) {
      const context = error.validationContext ?? 'body';
      return send(reply, 400, 'VALIDATION_ERROR', 'Invalid input', validationDetails(error.validation, context));
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return send(reply, 413, 'PAYLOAD_TOO_LARGE', 'Request body is larger than 1 MiB');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return send(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json', [
          { field: 'Content-Type', message: 'must be application/json' },
        ]);
      case '23505':
        return send(reply, 409, 'CONFLICT', 'A resource with these values already exists');
      case '23503':
      case '23514':
        return send(reply, 400, 'VALIDATION_ERROR', 'Invalid input');
    }
    // Class 22 (data exception): a value the database cannot store or compare — a NUL character,
    // a number out of range, a malformed date — is the client's input, never a server fault.
    if (typeof error.code === 'string' && /^22[0-9A-Z]{3}$/.test(error.code)) {
      return send(reply, 400, 'VALIDATION_ERROR', 'Invalid input: a value cannot be stored (e.g. a NUL character or an out-of-range number)');
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = status === 400 ? 'VALIDATION_ERROR' : status === 404 ? 'NOT_FOUND' : status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
      return send(reply, status, code, error.message);
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, 500, 'INTERNAL_ERROR', 'Internal server error');
  });
}
