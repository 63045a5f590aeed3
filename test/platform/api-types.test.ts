import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, teardown, type TestServer } from '../helpers/index.js';
import { apiTypesSource } from '../../scripts/api-types.js';

/** The web app's typed client is generated from the served document: it must not drift from it. */
let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => teardown(server));

it('web/src/api/schema.gen.ts is what npm run gen:api makes of the served OpenAPI document', async () => {
  const doc = await (await fetch(`${server.url}/openapi.json`)).json();
  const file = fs.readFileSync(path.resolve(import.meta.dirname, '../../web/src/api/schema.gen.ts'), 'utf8');
  expect(file === (await apiTypesSource(doc)), 'web/src/api/schema.gen.ts is out of date: run npm run gen:api').toBe(true);
});
