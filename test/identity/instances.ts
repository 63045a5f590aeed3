import { buildApp } from '../../src/server/app.js';
import type { Config } from '../../src/server/config.js';
import type { TestServer } from '../helpers/server.js';

/** Another server instance on the same database (and the same Redis, if configured), as behind a load balancer. */
export async function secondInstance(server: TestServer, overrides: Partial<Config> = {}) {
  const logs: string[] = [];
  const app = await buildApp({
    config: { ...server.config, ...overrides },
    db: server.db,
    secret: server.secret,
    logger: { level: 'info', stream: { write: (line: string) => void logs.push(line) } },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/api/v1`, app, logs, close: () => app.close() };
}
