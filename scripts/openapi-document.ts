/**
 * The OpenAPI document the server serves at /api/v1/openapi.json, built in-process over a
 * throwaway embedded database (the app checks its schema at start; the document itself comes from
 * the route schemas alone). Used by `npm run lint:openapi` and `npm run gen:api`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { openDatabase } from '../src/db/driver.js';

export async function servedOpenApiDocument(): Promise<Record<string, unknown>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuro-openapi-db-'));
  const db = await openDatabase({ dataDir });
  try {
    const config = loadConfig({ NEURO_WEBHOOK_DISPATCHER: 'false', NEURO_REPORT_WORKER: 'false', LOG_LEVEL: 'silent', NEURO_DATA_DIR: dataDir });
    const app = await buildApp({ config, db, secret: 'openapi-document'.padEnd(32, '.'), logger: false });
    const res = await app.inject('/api/v1/openapi.json');
    await app.close();
    if (res.statusCode !== 200) throw new Error(`GET /api/v1/openapi.json answered ${res.statusCode}: ${res.body}`);
    return JSON.parse(res.body) as Record<string, unknown>;
  } finally {
    await db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
