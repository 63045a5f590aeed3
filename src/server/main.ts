import { loadConfig, ConfigError, type Config } from './config.js';
import { openDatabase, DataDirInUseError, type Database } from '../db/driver.js';
import { buildApp } from './app.js';
import { resolveSecret } from './lib/secret.js';
import { createTokenService } from './modules/tokens/service.js';
import { createTenantService } from './modules/tenants/service.js';
import { ensureBootstrapTenant } from './bootstrap.js';
import { AppError } from './lib/errors.js';

function fail(message: string): never {
  console.error(`neuro: ${message}`);
  process.exit(1);
}

async function start() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  let db: Database;
  try {
    db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (err) {
    if (err instanceof DataDirInUseError) fail(err.message);
    fail(`cannot open the database: ${(err as Error).message}`);
  }
  const secret = resolveSecret(config);
  const app = await buildApp({ config, db, secret });

  const tenants = createTenantService({ db, tokens: createTokenService({ db, secret }) });
  const boot = await ensureBootstrapTenant(tenants, config);
  if (boot.created && boot.token) {
    // Shown once, on purpose outside the structured log: it is never stored in clear anywhere.
    console.log(
      [
        '',
        `  Created tenant "${config.bootstrapTenant}" with an admin API token (shown only this once):`,
        '',
        `    ${boot.token}`,
        '',
        '  Try it:',
        `    curl -H "Authorization: Bearer ${boot.token}" http://localhost:${config.port}/api/v1/projects`,
        '',
      ].join('\n'),
    );
  } else if (boot.created) {
    app.log.info({ tenant: config.bootstrapTenant }, 'created tenant with the token from NEURO_BOOTSTRAP_TOKEN');
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    try {
      await app.close();
      await db.close();
    } finally {
      clearTimeout(force);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await db.close();
    fail(`cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
  }
}

// A refusal we can explain (e.g. NEURO_BOOTSTRAP_TOKEN already belongs to another tenant) is a
// message; anything else keeps its stack for the operator.
start().catch((err: unknown) => fail(err instanceof AppError ? err.message : ((err as Error).stack ?? String(err))));
