import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/driver.js';
import { createScratchDatabase } from '../../src/db/scratch.js';
import { ensureWebBuilt } from '../../scripts/web-build.js';
import { TEST_TMPDIR } from './tmpdir.js';

/**
 * Runs once per `vitest run`, before any test file: migrates ONE database that every test server
 * and spawned process then copies (a fresh PGlite database costs ~5 s of CPU to create and
 * migrate, a copy ~0.2 s). The embedded template is kept between runs under a name made of a hash
 * of the migrations and the PGlite version; with DATABASE_URL, a template database is made for
 * this run and dropped after it. A few tests still migrate a fresh database (`fresh: true`).
 */
const ROOT = path.resolve(import.meta.dirname, '../..');

function templateKey(): string {
  const h = createHash('sha256');
  const dir = path.join(ROOT, 'src/db/migrations');
  for (const f of fs.readdirSync(dir).sort()) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  h.update(fs.readFileSync(path.join(ROOT, 'node_modules/@electric-sql/pglite/package.json')));
  return h.digest('hex').slice(0, 16);
}

async function pgliteTemplate(key: string): Promise<string> {
  const dir = path.join(TEST_TMPDIR, 'neuro-test-templates', key);
  if (fs.existsSync(path.join(dir, 'pglite'))) return dir;
  // Built beside, then renamed into place: runs that start at the same time never see half of one.
  const building = `${dir}.${randomBytes(4).toString('hex')}`;
  const db = await openDatabase({ dataDir: building });
  await db.close();
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  try {
    fs.renameSync(building, dir);
  } catch {
    fs.rmSync(building, { recursive: true, force: true }); // another run got there first
  }
  return dir;
}

export default async function globalSetup(project: TestProject) {
  const key = templateKey();
  // The web app as npm start serves it (built only when its sources changed), for the browser tests.
  const [embedded] = await Promise.all([pgliteTemplate(key), ensureWebBuilt({ quiet: true })]);
  project.provide('pgliteTemplate', embedded);
  const base = process.env.DATABASE_URL;
  if (!base) {
    project.provide('pgTemplate', '');
    return;
  }
  const template = await createScratchDatabase(base, 'neuro_tpl');
  const db = await openDatabase({ databaseUrl: template.url, dataDir: '' });
  await db.close();
  project.provide('pgTemplate', template.name);
  return () => template.drop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** A data folder whose pglite/ holds a migrated embedded database, to copy. */
    pgliteTemplate: string;
    /** With DATABASE_URL: a migrated database to create test databases from (TEMPLATE); else ''. */
    pgTemplate: string;
  }
}
