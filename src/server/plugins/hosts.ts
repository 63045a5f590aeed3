import net from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.js';

const HOST_NAME = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;
const PORT = /^(?::\d{0,5})?$/;

/**
 * A Host header as one canonical name: lower case, without the port (also after an IPv6 literal,
 * `[::1]:8080` → `[::1]`) and without one trailing dot (`acme.localhost.` is `acme.localhost`).
 * Null when it is not a host name at all: empty, an empty label (`acme..localhost`), characters a
 * host name cannot have, a bad port.
 */
export function normalizeHost(raw: string | undefined): string | null {
  if (!raw) return null;
  const text = raw.trim().toLowerCase();
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0 || !PORT.test(text.slice(end + 1))) return null;
    const literal = text.slice(1, end);
    return net.isIPv6(literal) ? `[${literal}]` : null;
  }
  const colon = text.indexOf(':');
  if (colon >= 0 && !PORT.test(text.slice(colon))) return null;
  let host = colon >= 0 ? text.slice(0, colon) : text;
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.length <= 253 && HOST_NAME.test(host) ? host : null;
}

/** How many Host lines the request had: Node keeps only the first of several in `headers`. */
function hostHeaderCount(request: FastifyRequest): number {
  const raw = request.raw.rawHeaders;
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') n++;
  }
  return n;
}

function hostError(message: string, detail: string) {
  return new AppError(400, 'VALIDATION_ERROR', message, [{ field: 'Host', message: detail }]);
}

/**
 * Every request's Host before anything reads it: exactly one, present on HTTP/1.1 (Node's own
 * check answers a bare 400 without a body, so it is off and this one answers in the envelope),
 * and a host name (the tenant check reads it, plugins/auth.ts).
 */
export function registerHostCheck(app: FastifyInstance) {
  app.addHook('onRequest', (request, _reply, done) => {
    const count = hostHeaderCount(request);
    if (count > 1) return done(hostError('Send one Host header', 'is sent more than once'));
    if (!request.headers.host) {
      // HTTP/1.0 has no Host requirement; HTTP/1.1 does (RFC 9112 §3.2).
      const v10 = request.raw.httpVersionMajor === 1 && request.raw.httpVersionMinor === 0;
      if (!v10 || count > 0) return done(hostError('The Host header is required', 'is required'));
      return done();
    }
    if (normalizeHost(request.host) === null) return done(hostError('The Host header is not a valid host name', 'is not a valid host name'));
    done();
  });
}
