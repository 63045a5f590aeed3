import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { buildApp } from '../../src/server/app.js';
import { loadConfig, type Config } from '../../src/server/config.js';
import { openDatabase, type Database } from '../../src/db/driver.js';
import { createScratchDatabase } from '../../src/db/scratch.js';
import { createTokenService } from '../../src/server/modules/tokens/service.js';
import { createTenantService } from '../../src/server/modules/tenants/service.js';
import { newId } from '../../src/server/lib/ids.js';
import type { Role, Scope } from '../../src/server/lib/scopes.js';
import type { App } from '../../src/server/types.js';

/**
 * A real server on loopback over a database of its own: PGlite in a temporary folder, or, when
 * DATABASE_URL is set, a fresh database on that PostgreSQL server (dropped at close).
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
  createTenant(slug?: string): Promise<TestTenant>;
  /** A service token of `role` with `scopes` in the tenant. */
  mintToken(tenant: TestTenant, scopes: Scope[], role?: Role): Promise<string>;
  /** A user made through the API with the tenant's admin token (password defaults to a strong one). */
  createUser(tenant: TestTenant, opts?: { role?: Role; password?: string; email?: string; name?: string }): Promise<TestUser>;
  /** Logs a user in (POST /auth/login, with the tenant's slug); returns the token response. */
  login(tenant: TestTenant, user: Pick<TestUser, 'email' | 'password'>, extra?: Record<string, unknown>): Promise<LoginTokens>;
  close(): Promise<void>;
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
}

export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuro-test-'));
  const pgServer = process.env.DATABASE_URL ? await createScratchDatabase(process.env.DATABASE_URL) : undefined;
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: pgServer?.url ?? '',
    NEURO_DATA_DIR: dataDir,
    NEURO_SECRET: randomBytes(32).toString('hex'),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    NEURO_RATE_LIMIT_PER_MINUTE: '100000',
    NEURO_RATE_LIMIT_PER_HOUR: '1000000',
    NEURO_LOGIN_MAX_FAILURES_PER_IP: '100000',
    // Test files share one Redis (when REDIS_URL is set): each server counts under its own keys.
    NEURO_REDIS_PREFIX: `neuro-test-${randomBytes(6).toString('hex')}:`,
    ...opts.env,
  });
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, onStatement: opts.onStatement });
  const secret = config.secret!;
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const app = await buildApp({ config, db, secret, logger: { level: config.logLevel, stream, redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'] } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const tokens = createTokenService({ db, secret });
  const tenants = createTenantService({ db, tokens });

  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    origin: `http://127.0.0.1:${port}`,
    port,
    app,
    db,
    config,
    secret,
    logs,
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
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: user.email, name: o.name ?? 'Test User', role: user.role, password: user.password }),
      });
      const body = (await res.json()) as { data: { id: string } };
      if (res.status !== 201) throw new Error(`createUser: ${res.status} ${JSON.stringify(body)}`);
      return { ...user, id: body.data.id };
    },
    async login(tenant, user, extra = {}) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: user.password, tenant: tenant.slug, ...extra }),
      });
      const body = (await res.json()) as LoginTokens;
      if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(body)}`);
      return body;
    },
    async close() {
      await app.close();
      await db.close();
      await pgServer?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
