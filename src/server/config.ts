import net from 'node:net';
import path from 'node:path';
import { isWellFormedToken } from './lib/tokens.js';

/** Every setting the server reads, parsed once at start. There are no default secrets. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** The built web app served at / (NEURO_WEB_DIR; default dist/web of the checkout). */
  webDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  baseDomain: string;
  bootstrapTenant: string;
  bootstrapToken: string | undefined;
  secret: string | undefined;
  logLevel: string;
  rateLimitPerMinute: number;
  rateLimitPerHour: number;
  /** Prefix of every Redis key and channel (several deployments or test runs can share a Redis). */
  redisPrefix: string;
  /** Memory for rendered core reads (lib/read-cache.ts), in bytes; 0 turns the cache off. */
  readCacheBytes: number;
  /** Failed logins allowed per account, and per client IP, in each login window. */
  loginMaxFailures: number;
  loginMaxFailuresPerIp: number;
  loginWindowSeconds: number;
  /** Mark session cookies Secure even when the request arrived over plain HTTP (TLS ends at a proxy). */
  secureCookies: boolean;
  /** Server deadlines (ms): a whole request to arrive, its headers to arrive, an idle keep-alive connection. */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /**
   * Whose X-Forwarded-For/-Proto/-Host to believe (Fastify's trustProxy): nobody (false), the
   * nearest n hops, or peers at these addresses/ranges.
   */
  trustProxy: false | number | string[];
  /** Browser origins (scheme://host[:port]) allowed to call the API cross-origin; none by default. */
  corsOrigins: string[];
  /** How long a verified credential is trusted from memory; without Redis, the delay before another instance sees a revocation. */
  credentialCacheMs: number;
  webhooks: WebhookConfig;
  reports: ReportConfig;
  eventsStream: EventsStreamConfig;
  /** First-run setup (GET/POST /setup): the first admin of a tenant without users. */
  setupEnabled: boolean;
}

export interface EventsStreamConfig {
  /** How often the one outbox poller of this process looks for new events. */
  pollMs: number;
  /** Streams one credential may hold open at once in this process. */
  maxPerCredential: number;
  heartbeatMs: number;
}

export interface ReportConfig {
  /** Run report workers in this process (several instances may all run them). */
  worker: boolean;
  /** Reports this process renders at the same time (each in a render process of its own). */
  concurrency: number;
  /** A render that takes longer is stopped and the report fails. */
  timeoutMs: number;
  /** Largest report file stored, in bytes. */
  maxBytes: number;
  /** Largest uploaded template, in bytes. */
  templateMaxBytes: number;
  /** Largest branding logo, in bytes. */
  logoMaxBytes: number;
  pollMs: number;
  /** Heap of a render process, in MB. */
  renderMemoryMb: number;
  /** A render process without work for this long ends (it starts again on demand). */
  renderIdleMs: number;
  /**
   * The render processes' niceness (0–19): how much lower their CPU priority is than the API's.
   * Above 0, Linux's idle scheduling class where chrt is installed (render-pool.ts).
   */
  renderNice: number;
}

export interface WebhookConfig {
  /** Run the delivery dispatcher in this process (several instances may all run it). */
  dispatcher: boolean;
  /** Lets webhooks reach loopback and private addresses (self-hosted setups, tests). */
  allowPrivate: boolean;
  timeoutMs: number;
  /** Multiplies the retry schedule (5 s … 24 h); tests shorten it. */
  backoffScale: number;
  pollMs: number;
  /** Webhooks one process delivers to at the same time. */
  concurrency: number;
  /** Deliveries in flight to one webhook (started in order); 1 sends strictly one after another. */
  window: number;
}

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

type Env = Record<string, string | undefined>;

function intSetting(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function boolSetting(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function webhookSettings(env: Env): WebhookConfig {
  const scaleRaw = env.NEURO_WEBHOOK_BACKOFF_SCALE;
  const backoffScale = scaleRaw === undefined || scaleRaw === '' ? 1 : Number(scaleRaw);
  if (!Number.isFinite(backoffScale) || backoffScale <= 0 || backoffScale > 1) {
    throw new ConfigError(`NEURO_WEBHOOK_BACKOFF_SCALE must be a number above 0 and at most 1, got "${scaleRaw}"`);
  }
  return {
    dispatcher: boolSetting(env, 'NEURO_WEBHOOK_DISPATCHER', true),
    allowPrivate: boolSetting(env, 'NEURO_WEBHOOK_ALLOW_PRIVATE', false),
    timeoutMs: intSetting(env, 'NEURO_WEBHOOK_TIMEOUT_MS', 15_000, 100, 60_000),
    backoffScale,
    pollMs: intSetting(env, 'NEURO_WEBHOOK_POLL_MS', 200, 10, 60_000),
    concurrency: intSetting(env, 'NEURO_WEBHOOK_CONCURRENCY', 16, 1, 1000),
    window: intSetting(env, 'NEURO_WEBHOOK_WINDOW', 64, 1, 256),
  };
}

function reportSettings(env: Env): ReportConfig {
  return {
    worker: boolSetting(env, 'NEURO_REPORT_WORKER', true),
    concurrency: intSetting(env, 'NEURO_REPORT_CONCURRENCY', 1, 1, 64),
    timeoutMs: intSetting(env, 'NEURO_REPORT_TIMEOUT_SECONDS', 300, 1, 3600) * 1000,
    maxBytes: intSetting(env, 'NEURO_REPORT_MAX_MB', 100, 1, 1024) * 1024 * 1024,
    templateMaxBytes: intSetting(env, 'NEURO_REPORT_TEMPLATE_MAX_MB', 10, 1, 100) * 1024 * 1024,
    logoMaxBytes: intSetting(env, 'NEURO_REPORT_LOGO_MAX_KB', 512, 1, 10_240) * 1024,
    pollMs: intSetting(env, 'NEURO_REPORT_POLL_MS', 1000, 10, 60_000),
    renderMemoryMb: intSetting(env, 'NEURO_REPORT_RENDER_MEMORY_MB', 1024, 128, 16_384),
    renderIdleMs: intSetting(env, 'NEURO_REPORT_RENDER_IDLE_SECONDS', 300, 1, 86_400) * 1000,
    renderNice: intSetting(env, 'NEURO_REPORT_RENDER_NICE', 10, 0, 19),
  };
}

/** proxy-addr's names for the loopback, link-local and unique-local ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = net.isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * NEURO_TRUST_PROXY: off by default, since a client could otherwise choose its own IP (and so
 * escape per-IP limits) with X-Forwarded-For. A hop count, or the proxies' addresses or ranges.
 */
function trustProxySetting(env: Env): false | number | string[] {
  const raw = env.NEURO_TRUST_PROXY?.trim();
  if (!raw || raw === 'false' || raw === '0') return false;
  if (raw === 'true') {
    throw new ConfigError(
      'NEURO_TRUST_PROXY=true would believe X-Forwarded-For from anyone who can reach the server; ' +
        'give the number of proxies in front of it (e.g. 1) or their addresses (e.g. 10.0.0.0/8,127.0.0.1)',
    );
  }
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 16) throw new ConfigError(`NEURO_TRUST_PROXY as a hop count must be from 1 to 16, got "${raw}"`);
    return hops;
  }
  const entries = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  const bad = entries.filter((e) => !isAddressOrRange(e));
  if (bad.length > 0) {
    throw new ConfigError(
      `NEURO_TRUST_PROXY must be false, a hop count, or comma-separated IP addresses or CIDR ranges ` +
        `(or loopback, linklocal, uniquelocal); not understood: ${bad.map((b) => `"${b}"`).join(', ')}`,
    );
  }
  return entries;
}

/** NEURO_CORS_ORIGINS: exact origins, each scheme://host[:port] with nothing after it. */
function corsOriginsSetting(env: Env): string[] {
  const raw = env.NEURO_CORS_ORIGINS?.trim();
  if (!raw) return [];
  const origins = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  return origins.map((entry) => {
    const problem = (why: string) =>
      new ConfigError(`NEURO_CORS_ORIGINS takes exact origins (e.g. https://app.example.com,http://localhost:5173); "${entry}" ${why}`);
    if (entry.includes('*')) throw problem('is a wildcard: list each origin');
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw problem('is not an origin');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw problem('must be http:// or https://');
    if (url.username || url.password || url.search || url.hash || !/^[a-z]+:\/\/[^/?#]+\/?$/i.test(entry)) {
      throw problem('must have nothing after the host and port');
    }
    // What browsers send in Origin: lower case, no default port, no trailing slash.
    return url.origin;
  });
}

/** Reads the environment; throws ConfigError with a message naming the bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const bootstrapTenant = env.NEURO_BOOTSTRAP_TENANT || 'default';
  if (!SLUG_PATTERN.test(bootstrapTenant)) {
    throw new ConfigError(
      `NEURO_BOOTSTRAP_TENANT must be a lowercase slug (letters, digits and dashes), got "${bootstrapTenant}"`,
    );
  }
  const bootstrapToken = env.NEURO_BOOTSTRAP_TOKEN || undefined;
  if (bootstrapToken !== undefined && !isWellFormedToken(bootstrapToken)) {
    throw new ConfigError(
      'NEURO_BOOTSTRAP_TOKEN is not a valid token (nf_live_ + 40 random hex characters + their 8-character CRC32); ' +
        'make one with: npm run -s admin -- token generate',
    );
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  }
  const secret = env.NEURO_SECRET || undefined;
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError('NEURO_SECRET must be at least 32 characters long');
  }
  // Compared with hosts normalised the same way (plugins/hosts.ts): lower case, no trailing dot.
  const baseDomain = (env.NEURO_BASE_DOMAIN || 'localhost').toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9.-]+$/.test(baseDomain)) {
    throw new ConfigError(`NEURO_BASE_DOMAIN must be a host name, got "${baseDomain}"`);
  }
  return {
    port: intSetting(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    dataDir: path.resolve(env.NEURO_DATA_DIR || './data'),
    webDir: env.NEURO_WEB_DIR ? path.resolve(env.NEURO_WEB_DIR) : path.resolve(import.meta.dirname, '../../dist/web'),
    databaseUrl,
    redisUrl,
    baseDomain,
    bootstrapTenant,
    bootstrapToken,
    secret,
    logLevel,
    rateLimitPerMinute: intSetting(env, 'NEURO_RATE_LIMIT_PER_MINUTE', 1000, 1, 100_000_000),
    rateLimitPerHour: intSetting(env, 'NEURO_RATE_LIMIT_PER_HOUR', 10_000, 1, 100_000_000),
    redisPrefix: env.NEURO_REDIS_PREFIX || 'neuro:',
    readCacheBytes: intSetting(env, 'NEURO_READ_CACHE_MB', 64, 0, 65_536) * 1024 * 1024,
    loginMaxFailures: intSetting(env, 'NEURO_LOGIN_MAX_FAILURES', 10, 1, 1_000_000),
    loginMaxFailuresPerIp: intSetting(env, 'NEURO_LOGIN_MAX_FAILURES_PER_IP', 100, 1, 1_000_000),
    loginWindowSeconds: intSetting(env, 'NEURO_LOGIN_WINDOW_SECONDS', 900, 1, 86_400),
    secureCookies: boolSetting(env, 'NEURO_SECURE_COOKIES', false),
    ...deadlines(env),
    eventsStream: {
      pollMs: intSetting(env, 'NEURO_EVENTS_STREAM_POLL_MS', 250, 10, 10_000),
      maxPerCredential: intSetting(env, 'NEURO_EVENTS_STREAM_MAX_PER_CREDENTIAL', 10, 1, 1000),
      heartbeatMs: intSetting(env, 'NEURO_EVENTS_STREAM_HEARTBEAT_SECONDS', 15, 1, 300) * 1000,
    },
    setupEnabled: boolSetting(env, 'NEURO_SETUP_ENABLED', true),
    trustProxy: trustProxySetting(env),
    corsOrigins: corsOriginsSetting(env),
    credentialCacheMs: intSetting(env, 'NEURO_CREDENTIAL_CACHE_SECONDS', 30, 1, 300) * 1000,
    webhooks: webhookSettings(env),
    reports: reportSettings(env),
  };
}

/**
 * Server deadlines. A connection that sends its headers too slowly (or nothing at all), or its
 * body, is closed with a 408; an idle keep-alive connection after 72 s by default, longer than the
 * 60 s idle timeout of the usual load balancers and proxies, which must close first.
 */
function deadlines(env: Env): Pick<Config, 'requestTimeoutMs' | 'headersTimeoutMs' | 'keepAliveTimeoutMs'> {
  const requestTimeoutMs = intSetting(env, 'NEURO_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000);
  const headersTimeoutMs = intSetting(env, 'NEURO_HEADERS_TIMEOUT_MS', Math.min(10_000, requestTimeoutMs), 100, 600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(
      `NEURO_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not be longer than NEURO_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`,
    );
  }
  return { requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs: intSetting(env, 'NEURO_KEEP_ALIVE_TIMEOUT_MS', 72_000, 100, 3_600_000) };
}
