/**
 * `npm run gen:api`: writes the web app's API types (web/src/api/schema.gen.ts) from the OpenAPI
 * document the server serves, with openapi-typescript. `--check` only compares and fails when the
 * file is out of date (CI and a test run it, so the app's client cannot drift from the server).
 */
import fs from 'node:fs';
import path from 'node:path';
import { apiTypesSource } from './api-types.js';
import { servedOpenApiDocument } from './openapi-document.js';

const FILE = path.resolve(import.meta.dirname, '../web/src/api/schema.gen.ts');
const source = await apiTypesSource(await servedOpenApiDocument());
if (process.argv.includes('--check')) {
  const current = fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8') : '';
  if (current !== source) {
    console.error(`${path.relative(process.cwd(), FILE)} is out of date: run npm run gen:api`);
    process.exit(1);
  }
  console.log('web/src/api/schema.gen.ts matches the served OpenAPI document');
} else {
  fs.writeFileSync(FILE, source);
  console.log(`wrote ${path.relative(process.cwd(), FILE)}`);
}
