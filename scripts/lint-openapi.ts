/**
 * `npm run lint:openapi`: lints the OpenAPI document the server serves at /api/v1/openapi.json with
 * Redocly CLI's recommended ruleset (redocly.yaml), built in-process (scripts/openapi-document.ts).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { servedOpenApiDocument } from './openapi-document.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const document = await servedOpenApiDocument();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuro-openapi-'));
const file = path.join(dir, 'openapi.json');
fs.writeFileSync(file, JSON.stringify(document, null, 2));
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
