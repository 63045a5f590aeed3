import type { FastifyReply, FastifyRequest } from 'fastify';
import { keyedHash, safeEqual } from './sealed.js';

/**
 * The web app's session: the access token in a `__Host-` cookie (HttpOnly, SameSite=Lax, Path=/,
 * Secure over HTTPS), the refresh token in another, and a CSRF token readable by the page. A
 * request authenticated by the cookie that changes state must come from our own origin and carry
 * the CSRF token in `X-CSRF-Token`.
 */
export const SESSION_COOKIE = '__Host-neuro_session';
export const REFRESH_COOKIE = '__Host-neuro_refresh';
export const CSRF_COOKIE = '__Host-neuro_csrf';
export const CSRF_HEADER = 'x-csrf-token';

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

/** `secure`: mark Secure even over plain HTTP (NEURO_SECURE_COOKIES, when TLS ends at a proxy). */
function cookie(request: FastifyRequest, name: string, value: string, maxAge: number, httpOnly: boolean, secure: boolean): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', `Max-Age=${Math.max(0, Math.floor(maxAge))}`, 'SameSite=Lax'];
  if (httpOnly) parts.push('HttpOnly');
  if (secure || request.protocol === 'https') parts.push('Secure');
  return parts.join('; ');
}

export function setSessionCookies(
  request: FastifyRequest,
  reply: FastifyReply,
  s: { accessToken: string; accessSeconds: number; refreshToken: string; refreshSeconds: number; csrf: string },
  secure = false,
) {
  reply.header('set-cookie', [
    cookie(request, SESSION_COOKIE, s.accessToken, s.accessSeconds, true, secure),
    cookie(request, REFRESH_COOKIE, s.refreshToken, s.refreshSeconds, true, secure),
    cookie(request, CSRF_COOKIE, s.csrf, s.refreshSeconds, false, secure),
  ]);
  reply.header(CSRF_HEADER, s.csrf);
}

export function clearSessionCookies(request: FastifyRequest, reply: FastifyReply, secure = false) {
  reply.header('set-cookie', [SESSION_COOKIE, REFRESH_COOKIE, CSRF_COOKIE].map((n) => cookie(request, n, '', 0, n !== CSRF_COOKIE, secure)));
}
