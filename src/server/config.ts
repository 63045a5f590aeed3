import path from 'node:path';
import { isWellFormedToken } from './lib/tokens.js';

/** Every setting the server reads, parsed once at start. There are no default secrets. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
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
  /** How long a verified credential is trusted from memory; without Redis, the delay before another instance sees a revocation. */
  credentialCacheMs: number;
  webhooks: WebhookConfig;
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
  const baseDomain = (env.NEURO_BASE_DOMAIN || 'localhost').toLowerCase();
  if (!/^[a-z0-9.-]+$/.test(baseDomain)) {
    throw new ConfigError(`NEURO_BASE_DOMAIN must be a host name, got "${baseDomain}"`);
  }
  return {
    port: intSetting(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    dataDir: path.resolve(env.NEURO_DATA_DIR || './data'),
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
    credentialCacheMs: intSetting(env, 'NEURO_CREDENTIAL_CACHE_SECONDS', 30, 1, 300) * 1000,
    webhooks: webhookSettings(env),
  };
}
