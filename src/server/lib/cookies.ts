import type { FastifyReply, FastifyRequest } from 'fastify';
import { keyedHash, safeEqual } from './sealed.js';

/**
 * The web app's session: the access token in a cookie (HttpOnly, SameSite=Lax, Path=/), the
 * refresh token in another, and a CSRF token readable by the page. A request authenticated by the
 * cookie that changes state must come from our own origin and carry the CSRF token in
 * `X-CSRF-Token`.
 *
 * In a secure context — HTTPS, TLS ended at a proxy (NEURO_SECURE_COOKIES), or `localhost` and
 * `*.localhost`, which browsers and curl treat as secure — the cookies are `__Host-` prefixed and
 * Secure. Over plain HTTP to any other host a browser drops both (a `__Host-` cookie must be
 * Secure, and a Secure cookie needs a secure context), so there the same cookies go without the
 * prefix and without Secure, and sign-in works on a LAN test box too (PRODUCT.md).
 */
export interface SessionCookieNames {
  session: string;
  refresh: string;
  csrf: string;
}

const SECURE_NAMES: SessionCookieNames = { session: '__Host-neuro_session', refresh: '__Host-neuro_refresh', csrf: '__Host-neuro_csrf' };
const PLAIN_NAMES: SessionCookieNames = { session: 'neuro_session', refresh: 'neuro_refresh', csrf: 'neuro_csrf' };
export const CSRF_HEADER = 'x-csrf-token';

/** `secureCookies`: NEURO_SECURE_COOKIES, TLS ends in front of the server. */
export function isSecureContext(request: FastifyRequest, secureCookies: boolean): boolean {
  if (secureCookies || request.protocol === 'https') return true;
  const host = request.hostname.toLowerCase().replace(/\.$/, '');
  return host === 'localhost' || host.endsWith('.localhost');
}

/** The cookie names of the request's context: set and read under the same ones. */
export function sessionCookieNames(request: FastifyRequest, secureCookies: boolean): SessionCookieNames {
  return isSecureContext(request, secureCookies) ? SECURE_NAMES : PLAIN_NAMES;
}

/**
 * The request's cookies (the first of a repeated name). Never throws: other apps on the same host
 * may set cookies of any shape, so a pair without a name or a value that is not valid
 * percent-encoding is skipped, not an error.
 */
export function readCookies(request: FastifyRequest): Record<string, string> {
  const header = request.headers.cookie;
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    if (name === '' || name in out) continue;
    let value = part.slice(i + 1).trim();
    if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (value.includes('%')) {
      try {
        value = decodeURIComponent(value);
      } catch {
        continue;
      }
    }
    out[name] = value;
  }
  return out;
}

/** The CSRF token of a session: bound to it, so one stolen from another session is useless. */
export function csrfToken(secret: string, sessionId: string): string {
  return keyedHash(secret, `csrf:${sessionId}`).toString('base64url');
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True when a cookie-authenticated request may proceed: a safe method, or same origin plus the token. */
export function passesCsrf(request: FastifyRequest, secret: string, sessionId: string): boolean {
  if (SAFE_METHODS.has(request.method)) return true;
  const expected = `${request.protocol}://${request.host}`;
  let origin = request.headers.origin;
  if (!origin || origin === 'null') {
    const referer = request.headers.referer;
    try {
      origin = referer ? new URL(referer).origin : undefined;
    } catch {
      origin = undefined;
    }
  }
  if (!origin || origin.toLowerCase() !== expected.toLowerCase()) return false;
  const token = request.headers[CSRF_HEADER];
  return typeof token === 'string' && safeEqual(token, csrfToken(secret, sessionId));
}

function cookie(name: string, value: string, maxAge: number, httpOnly: boolean, secure: boolean): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', `Max-Age=${Math.max(0, Math.floor(maxAge))}`, 'SameSite=Lax'];
  if (httpOnly) parts.push('HttpOnly');
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/** `secureCookies`: NEURO_SECURE_COOKIES (see isSecureContext). */
export function setSessionCookies(
  request: FastifyRequest,
  reply: FastifyReply,
  s: { accessToken: string; accessSeconds: number; refreshToken: string; refreshSeconds: number; csrf: string },
  secureCookies = false,
) {
  const secure = isSecureContext(request, secureCookies);
  const names = secure ? SECURE_NAMES : PLAIN_NAMES;
  reply.header('set-cookie', [
    cookie(names.session, s.accessToken, s.accessSeconds, true, secure),
    cookie(names.refresh, s.refreshToken, s.refreshSeconds, true, secure),
    cookie(names.csrf, s.csrf, s.refreshSeconds, false, secure),
  ]);
  reply.header(CSRF_HEADER, s.csrf);
}

/**
 * A short-lived HttpOnly cookie of a sign-in flow (SSO: it binds the IdP round trip to the browser
 * that started it), named like the session cookies of the request's context (`__Host-` when secure).
 * `maxAge` 0 clears it.
 */
export function flowCookieName(request: FastifyRequest, name: string, secureCookies = false): string {
  return isSecureContext(request, secureCookies) ? `__Host-neuro_${name}` : `neuro_${name}`;
}

export function flowCookie(request: FastifyRequest, name: string, value: string, maxAge: number, secureCookies = false): string {
  return cookie(flowCookieName(request, name, secureCookies), value, maxAge, true, isSecureContext(request, secureCookies));
}

export function clearSessionCookies(request: FastifyRequest, reply: FastifyReply, secureCookies = false) {
  const secure = isSecureContext(request, secureCookies);
  const names = secure ? SECURE_NAMES : PLAIN_NAMES;
  reply.header('set-cookie', [names.session, names.refresh, names.csrf].map((n) => cookie(n, '', 0, n !== names.csrf, secure)));
}
