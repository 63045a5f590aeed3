/**
 * `npm run lint:openapi`: lints the OpenAPI document the server serves at /api/v1/openapi.json with
 * Redocly CLI's recommended ruleset (redocly.yaml). The app is built in-process, as the tests build
 * it, over a throwaway embedded database (the app checks its schema at start; the document itself
 * comes from the route schemas alone).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { openDatabase } from '../src/db/driver.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuro-openapi-db-'));
const db = await openDatabase({ dataDir });
const config = loadConfig({ NEURO_WEBHOOK_DISPATCHER: 'false', NEURO_REPORT_WORKER: 'false', LOG_LEVEL: 'silent', NEURO_DATA_DIR: dataDir });
const app = await buildApp({ config, db, secret: 'lint-openapi'.padEnd(32, '.'), logger: false });
const res = await app.inject('/api/v1/openapi.json');
await app.close();
await db.close();
fs.rmSync(dataDir, { recursive: true, force: true });
if (res.statusCode !== 200) throw new Error(`GET /api/v1/openapi.json answered ${res.statusCode}: ${res.body}`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuro-openapi-'));
const file = path.join(dir, 'openapi.json');
fs.writeFileSync(file, JSON.stringify(JSON.parse(res.body), null, 2));
try {
  execFileSync(path.join(ROOT, 'node_modules/.bin/redocly'), ['lint', file, '--config', path.join(ROOT, 'redocly.yaml')], {
    stdio: 'inherit',
    // No network here: no telemetry, no update check.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
} catch {
  process.exitCode = 1;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
