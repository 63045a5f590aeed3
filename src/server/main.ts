import net from 'node:net';
import { loadConfig, ConfigError, type Config } from './config.js';
import type { Database } from '../db/driver.js';

function fail(message: string): never {
  console.error(`neuro: ${message}`);
  process.exit(1);
}

/** Whether host:port can be bound now (the server binds it for real only after the bootstrap). */
function portFree(host: string, port: number): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', (err) => resolve(err));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}

async function start() {
  // The settings first, and only then the rest of the server (a second or more of module loading):
  // a bad setting is refused at once.
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  // Before the first tenant is made and its token printed: a token shown by a server that then
  // cannot listen would look lost (issue 18).
  const busy = await portFree(config.host, config.port);
  if (busy) fail(`cannot listen on ${config.host}:${config.port}: ${busy.message}`);

  const [{ openDatabase, DataDirInUseError }, { buildApp }, { resolveSecret }, { createTokenService }, { createTenantService }, { ensureBootstrapTenant }] =
    await Promise.all([
      import('../db/driver.js'),
      import('./app.js'),
      import('./lib/secret.js'),
      import('./modules/tokens/service.js'),
      import('./modules/tenants/service.js'),
      import('./bootstrap.js'),
    ]);
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
    // Only when another process took the port since the check above.
    const kept = boot.created && boot.token ? ' The admin token printed above stays valid: start the server again once the port is free.' : '';
    fail(`cannot listen on ${config.host}:${config.port}: ${(err as Error).message}.${kept}`);
  }
}

// A refusal we can explain (e.g. NEURO_BOOTSTRAP_TOKEN already belongs to another tenant) is a
// message; anything else keeps its stack for the operator.
start().catch(async (err: unknown) => {
  const { AppError } = await import('./lib/errors.js');
  fail(err instanceof AppError ? err.message : ((err as Error).stack ?? String(err)));
});
