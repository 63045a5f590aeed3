import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from '../lib/errors.js';
import { VISIBLE_TEXT } from '../lib/schemas.js';


interface AjvError {
  keyword: string;
  instancePath: string;
  schemaPath?: string;
  message?: string;
  params: Record<string, unknown>;
  /** With Ajv's `verbose` (the body validator): the schema the failing keyword belongs to. */
  parentSchema?: { properties?: Record<string, unknown> };
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

/**
 * Turns Ajv's errors into one `{field, message}` per bad field, in words a client can act on.
 * `readOnly`: fields the server sets itself (the modules declare them), named as read-only rather
 * than unknown.
 */
export function validationDetails(errors: AjvError[], context: string, readOnly: ReadonlySet<string> = new Set()): FieldError[] {
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
      message = readOnly.has(name) ? 'is read-only' : context === 'querystring' ? 'is not a known parameter' : 'is not a known field';
    } else if (e.keyword === 'enum') {
      message = `must be one of: ${(e.params.allowedValues as unknown[]).filter((v) => v !== null).join(', ')}`;
    } else if (e.keyword === 'type') {
      message = `must be ${String(e.params.type).replace(',', ' or ')}`;
    } else if (e.keyword === 'format') {
      message = `must be a valid ${String(e.params.format)}`;
    } else if (e.keyword === 'pattern' && e.params.pattern === VISIBLE_TEXT) {
      message = 'must not be blank (only spaces or invisible characters)';
    } else if (e.keyword === 'minProperties' && e.params.limit === 1) {
      const names = Object.keys(e.parentSchema?.properties ?? {});
      field = fieldPath(e.instancePath, context);
      message = names.length > 0 ? `send at least one of: ${names.join(', ')}` : 'must not be empty';
    }
    if (!byField.has(field)) byField.set(field, message);
  }
  return [...byField].map(([field, message]) => ({ field, message }));
}

const LONE_SURROGATE = /\p{Cs}/u;

/** A key that would reach an object's prototype (the rule of secure-json-parse): never taken. */
const forbiddenKey = (key: string, value: unknown) =>
  key === '__proto__' || (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype'));

/**
 * One rule for every JSON body, whichever route it goes to: no `__proto__` (or
 * `constructor.prototype`) key, and no string — value or key — with a lone UTF-16 surrogate
 * (`"\udfff"`), which one database driver refuses and the other silently turns into U+FFFD.
 * The first problem found, naming its field (`tags[1]`, `contact.name`). Walks without recursion,
 * so no nesting depth can overflow the stack.
 */
export function bodyProblem(root: unknown): { title: string; detail: FieldError } | undefined {
  const stack: [unknown, string][] = [[root, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return surrogate(path || 'body');
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}[${i}]`]);
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, v] = entries[i]!;
        const field = path ? `${path}.${key}` : key;
        if (forbiddenKey(key, v)) {
          return { title: `The key ${key} is not allowed`, detail: { field, message: 'is not an allowed key' } };
        }
        if (LONE_SURROGATE.test(key)) return surrogate(field);
        stack.push([v, field]);
      }
    }
  }
  return undefined;
}

const surrogate = (field: string) => ({
  title: 'Invalid input: text must be valid Unicode',
  detail: { field, message: 'is not valid Unicode text (it has a lone UTF-16 surrogate, e.g. \\udfff)' },
});

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
/**
 * `notFound`: a handler that takes unrouted requests first (the web app's history fallback); when
 * it returns false the request gets the 404 envelope.
 */
export function registerErrorHandling(app: FastifyInstance, opts: {
  readOnlyFields: ReadonlySet<string>;
  notFound?: (request: FastifyRequest, reply: FastifyReply) => boolean;
}) {
  // JSON bodies: an empty body is "no body" (clients send Content-Type on GET and DELETE too);
  // then bodyProblem's rules (prototype keys, lone surrogates) for every route alike.
  // Only JSON is accepted: anything else (Fastify's default text/plain included) is a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return done(new AppError(400, 'VALIDATION_ERROR', 'Malformed JSON body', [{ field: 'body', message: 'is not valid JSON' }]), undefined);
    }
    const problem = bodyProblem(value);
    if (problem) return done(new AppError(400, 'VALIDATION_ERROR', problem.title, [problem.detail]), undefined);
    done(null, value);
  });

  app.setNotFoundHandler((request, reply) => {
    if (opts.notFound?.(request, reply)) return reply;
    return send(reply, 404, 'NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`);
  });

  app.setErrorHandler((error: FastifyError & { validation?: AjvError[]; validationContext?: string }, request, reply) => {
    if (error instanceof AppError) {
      if (error.headers) reply.headers(error.headers);
      return send(reply, error.statusCode, error.code, error.message, error.details);
    }
    if (error.validation) {
      const context = error.validationContext ?? 'body';
      return send(reply, 400, 'VALIDATION_ERROR', 'Invalid input', validationDetails(error.validation, context, opts.readOnlyFields));
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
