import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { buildApp, REDACTED_PATHS } from '../../src/server/app.js';
import { loadConfig, type Config } from '../../src/server/config.js';
import { openDatabase, type Database } from '../../src/db/driver.js';
import { createTokenService } from '../../src/server/modules/tokens/service.js';
import { createTenantService } from '../../src/server/modules/tenants/service.js';
import { newId } from '../../src/server/lib/ids.js';
import type { PasswordCost } from '../../src/server/lib/passwords.js';
import type { ResponseMismatch } from '../../src/server/plugins/response-check.js';
import type { Role, Scope } from '../../src/server/lib/scopes.js';
import type { App } from '../../src/server/types.js';
import { track, type Checked } from './checks.js';
import { createStorage } from './storage.js';

/**
 * argon2id at its smallest cost: tests create and log in hundreds of users, which at the real cost
 * (19 MiB, 2 passes) took minutes of CPU. Only this harness passes it (AppDeps.passwordCost); a
 * test in test/users/ proves that a server built without it hashes at the real cost.
 */
export const TEST_PASSWORD_COST: PasswordCost = { memoryCost: 1024, timeCost: 1 };

/**
 * A real server on loopback over a database of its own: PGlite in a temporary folder, or, when
 * DATABASE_URL is set, a database of that PostgreSQL server (dropped at close); both start as a
 * copy of the run's migrated template unless `fresh`.
 */
export interface TestServer {
  /** e.g. http://127.0.0.1:41234/api/v1 */
  url: string;
  origin: string;
  port: number;
  app: App;
  db: Database;
  config: Config;
  secret: string;
  /** Every log line the server wrote, for tests that look for leaked secrets. */
  logs: string[];
  /** Responses that broke their route's declared schema (checked at teardown). */
  mismatches: ResponseMismatch[];
  createTenant(slug?: string): Promise<TestTenant>;
  /** A service token of `role` with `scopes` in the tenant. */
  mintToken(tenant: TestTenant, scopes: Scope[], role?: Role): Promise<string>;
  /** A user made through the API with the tenant's admin token (password defaults to a strong one). */
  createUser(tenant: TestTenant, opts?: { role?: Role; password?: string; email?: string; name?: string }): Promise<TestUser>;
  /** Logs a user in (POST /auth/login, with the tenant's slug); returns the token response. */
  login(tenant: TestTenant, user: Pick<TestUser, 'email' | 'password'>, extra?: Record<string, unknown>): Promise<LoginTokens>;
  /** Stops it and removes its data (teardown() also checks it; prefer that). */
  close(): Promise<void>;
  /** @internal the entry the file-end check uses. */
  checked: Checked;
}

export interface TestTenant {
  id: string;
  slug: string;
  /** The tenant's admin token. */
  token: string;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
}

export interface LoginTokens {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Sees the text of every statement the server runs. */
  onStatement?: (sql: string) => void;
  /** Migrate an empty database instead of copying the template. */
  fresh?: boolean;
  /** Hash passwords at the production cost (buildApp's default) instead of TEST_PASSWORD_COST. */
  realPasswordCost?: boolean;
}

function logSink(logs: string[]) {
  return new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
}

export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  const storage = await createStorage({ fresh: opts.fresh });
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: storage.databaseUrl,
    NEURO_DATA_DIR: storage.dataDir,
    NEURO_SECRET: randomBytes(32).toString('hex'),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    NEURO_RATE_LIMIT_PER_MINUTE: '100000',
    NEURO_RATE_LIMIT_PER_HOUR: '1000000',
    NEURO_LOGIN_MAX_FAILURES_PER_IP: '100000',
    // Renders at normal priority: on a machine saturated by parallel test files and browsers, a
    // niced render process starves until its test times out (nothing here is latency-sensitive).
    NEURO_REPORT_RENDER_NICE: '0',
    // Test files share one Redis (when REDIS_URL is set): each server counts under its own keys.
    NEURO_REDIS_PREFIX: `neuro-test-${randomBytes(6).toString('hex')}:`,
    ...opts.env,
  });
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, onStatement: opts.onStatement });
  const secret = config.secret!;
  const logs: string[] = [];
  const mismatches: ResponseMismatch[] = [];
  const app = await buildApp({
    config, db, secret,
    logger: { level: config.logLevel, stream: logSink(logs), redact: REDACTED_PATHS },
    passwordCost: opts.realPasswordCost ? undefined : TEST_PASSWORD_COST,
    checkResponses: (m) => mismatches.push(m),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}/api/v1`;
  const tokens = createTokenService({ db, secret });
  const tenants = createTenantService({ db, tokens });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // A client that keeps a request open (a browser page left open, a stream) would hold the
      // close until it goes: after a moment its connections are cut.
      const cut = setTimeout(() => app.server.closeAllConnections(), 3000);
      await app.close().finally(() => clearTimeout(cut));
      await db.close();
      await storage.cleanup();
    })());

  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  return {
    url,
    origin: `http://127.0.0.1:${port}`,
    port,
    app,
    db,
    config,
    secret,
    logs,
    mismatches,
    async createTenant(slug = `t-${randomBytes(4).toString('hex')}`) {
      const r = await tenants.create(slug);
      return { id: r.tenant.id, slug, token: r.token };
    },
    async mintToken(tenant, scopes, role = 'admin') {
      const saId = newId('sa');
      await db.tenant(tenant.id, (q) =>
        q.query('INSERT INTO service_accounts (tenant_id, id, name, role) VALUES ($1, $2, $3, $4)', [tenant.id, saId, `test ${role}`, role]),
      );
      const t = await tokens.createServiceToken(tenant.id, { serviceAccountId: saId, name: 'test token', scopes });
      return t.token;
    },
    async createUser(tenant, o = {}) {
      const user = {
        email: o.email ?? `u-${randomBytes(5).toString('hex')}@example.com`,
        password: o.password ?? `pw-${randomBytes(12).toString('hex')}`,
        role: o.role ?? 'admin',
      };
      const res = await post('/users', { email: user.email, name: o.name ?? 'Test User', role: user.role, password: user.password }, tenant.token);
      if (res.status !== 201) throw new Error(`createUser: ${res.status} ${JSON.stringify(res.body)}`);
      return { ...user, id: res.body.data.id as string };
    },
    async login(tenant, user, extra = {}) {
      const res = await post('/auth/login', { email: user.email, password: user.password, tenant: tenant.slug, ...extra });
      if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as LoginTokens;
    },
    close,
    checked: track({ name: `server ${url}`, logs: () => logs, mismatches, stop: close }),
  };
}

export interface SecondInstance {
  url: string;
  app: App;
  logs: string[];
  close(): Promise<void>;
}

/** Another server instance on the same database (and the same Redis, if configured), as behind a load balancer. */
export async function secondInstance(server: TestServer, overrides: Partial<Config> = {}): Promise<SecondInstance> {
  const logs: string[] = [];
  const mismatches: ResponseMismatch[] = [];
  const app = await buildApp({
    config: { ...server.config, ...overrides },
    db: server.db,
    secret: server.secret,
    logger: { level: 'info', stream: logSink(logs), redact: REDACTED_PATHS },
    passwordCost: TEST_PASSWORD_COST,
    checkResponses: (m) => mismatches.push(m),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= app.close().then(() => undefined));
  const url = `http://127.0.0.1:${port}/api/v1`;
  track({ name: `second instance ${url}`, logs: () => logs, mismatches, stop: close });
  return { url, app, logs, close };
}
