import createClient from 'openapi-fetch';
import type { paths } from './schema.gen';

/**
 * The typed API client (openapi-fetch over the generated types). The session lives in HttpOnly
 * cookies the page cannot read; what it can read is the CSRF token's cookie, sent back as
 * X-CSRF-Token on every write. An expired access cookie is renewed once through /auth/refresh
 * (one refresh for all requests that hit it together) and the request sent again.
 */
const CSRF_COOKIES = ['__Host-neuro_csrf', 'neuro_csrf'];
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
// Answers of these are the caller's business, never a reason to refresh.
const NO_REFRESH = /\/api\/v1\/(auth\/(login|refresh|logout|invitations|password-reset)|setup)/;

export function csrfToken(): string | undefined {
  for (const part of document.cookie.split('; ')) {
    const i = part.indexOf('=');
    if (CSRF_COOKIES.includes(part.slice(0, i))) return decodeURIComponent(part.slice(i + 1));
  }
  return undefined;
}

function withCsrf(req: Request): Request {
  if (!SAFE.has(req.method)) {
    const token = csrfToken();
    if (token) req.headers.set('x-csrf-token', token);
  }
  return req;
}

let refreshing: Promise<boolean> | undefined;
let signedOut: () => void = () => {};
/** Called when the session has ended (refresh refused): the app goes to the sign-in page. */
export function onSignedOut(fn: () => void) {
  signedOut = fn;
}

export function refreshSession(): Promise<boolean> {
  refreshing ??= fetch('/api/v1/auth/refresh', { method: 'POST', headers: { 'x-csrf-token': csrfToken() ?? '' } })
    .then((r) => r.ok, () => false)
    .finally(() => setTimeout(() => (refreshing = undefined), 0));
  return refreshing;
}

export async function apiFetch(input: Request): Promise<Response> {
  const again = input.clone();
  const res = await fetch(withCsrf(input));
  if (res.status !== 401 || NO_REFRESH.test(new URL(input.url).pathname)) return res;
  if (!(await refreshSession())) {
    signedOut();
    return res;
  }
  return fetch(withCsrf(again));
}

export const api = createClient<paths>({ baseUrl: '/api/v1', fetch: apiFetch });
