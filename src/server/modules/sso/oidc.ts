import net from 'node:net';
import * as client from 'openid-client';

/**
 * The relying party's side of OpenID Connect, through openid-client (authorization code, PKCE S256,
 * nonce; the ID token's signature checked against the provider's JWKS, its issuer, audience, nonce
 * and expiry by openid-client itself).
 *
 * Plain http:// is accepted for an issuer on a loopback address only (127.0.0.0/8, ::1,
 * `localhost`): a provider on the same machine, in development and in the tests. There is no
 * setting that allows it for other hosts, so a deployment cannot be talked into sending the client
 * secret and the authorization code over an unencrypted network.
 */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  return h === '::1';
}

/** The issuer URL as stored, or why it is refused (a field message). */
export function checkIssuerUrl(raw: string): { url: string } | { error: string } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { error: 'must be an absolute URL' };
  }
  if (url.username || url.password) return { error: 'must not contain credentials' };
  if (url.search || url.hash) return { error: 'must not have a query or fragment' };
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return { error: 'must use https:// (http:// only for a loopback address)' };
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: 'must use https://' };
  // As written, without a trailing slash the provider did not put there: discovery compares exactly.
  return { url: raw.trim() };
}

export interface ProviderSettings {
  tenantId: string;
  issuerUrl: string;
  clientId: string;
  clientSecret: string | null;
  /** Changes whenever the settings do: a new value discovers again. */
  version: string;
}

const CACHE_MS = 10 * 60_000;
const TIMEOUT_SECONDS = 10;

/**
 * Discovered provider configurations, per tenant, for ten minutes (or until the settings change):
 * a sign-in costs one discovery request at most every ten minutes, not two per sign-in.
 */
export function createProviders() {
  const cache = new Map<string, { key: string; at: number; config: Promise<client.Configuration> }>();
  return {
    async configuration(s: ProviderSettings): Promise<client.Configuration> {
      const key = `${s.version}|${s.issuerUrl}|${s.clientId}`;
      const hit = cache.get(s.tenantId);
      if (hit && hit.key === key && Date.now() - hit.at < CACHE_MS) return hit.config;
      const insecure = new URL(s.issuerUrl).protocol === 'http:' && isLoopbackHost(new URL(s.issuerUrl).hostname);
      const execute = [client.enableNonRepudiationChecks, ...(insecure ? [client.allowInsecureRequests] : [])];
      const config = client.discovery(
        new URL(s.issuerUrl),
        s.clientId,
        undefined,
        s.clientSecret ? client.ClientSecretBasic(s.clientSecret) : client.None(),
        { execute, timeout: TIMEOUT_SECONDS },
      );
      cache.set(s.tenantId, { key, at: Date.now(), config });
      config.catch(() => {
        if (cache.get(s.tenantId)?.config === config) cache.delete(s.tenantId);
      });
      return config;
    },
    forget(tenantId: string) {
      cache.delete(tenantId);
    },
  };
}
export type Providers = ReturnType<typeof createProviders>;

/**
 * Where to land after signing in: a path of this origin (one leading `/`, no `//` or `/\` host, no
 * control characters or backslashes), else `/` — never another origin (no open redirect).
 */
export function safeReturnTo(raw: string | undefined): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//')) return '/';
  if ([...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || c === '\\')) return '/';
  try {
    const base = 'http://return-to.invalid';
    const url = new URL(raw, base);
    if (url.origin !== base) return '/';
    const path = url.pathname + url.search + url.hash;
    return path.startsWith('/sign-in') || path.startsWith('/api/') ? '/' : path;
  } catch {
    return '/';
  }
}
