import fs from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import { createScratchDatabase } from '../../src/db/scratch.js';
import { TEST_TMPDIR } from './tmpdir.js';

/** Where a test server or process keeps its data: a temporary folder and, with DATABASE_URL, a database of its own. */
export interface Storage {
  dataDir: string;
  /** The database URL to use ('' for the embedded database). */
  databaseUrl: string;
  /** NEURO_DATA_DIR and DATABASE_URL for a spawned process. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export interface StorageOptions {
  /**
   * An empty database that the server or CLI must migrate itself, as on a first install. By
   * default the storage starts as a copy of the run's migrated template (global-setup.ts).
   */
  fresh?: boolean;
  prefix?: string;
}

export async function createStorage(opts: StorageOptions = {}): Promise<Storage> {
  const dataDir = fs.mkdtempSync(path.join(TEST_TMPDIR, `${opts.prefix ?? 'neuro-test'}-`));
  const base = process.env.DATABASE_URL;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  if (base) {
    scratch = await createScratchDatabase(base, 'neuro_t', opts.fresh ? undefined : inject('pgTemplate') || undefined);
  } else if (!opts.fresh) {
    fs.cpSync(path.join(inject('pgliteTemplate'), 'pglite'), path.join(dataDir, 'pglite'), { recursive: true });
  }
  return {
    dataDir,
    databaseUrl: scratch?.url ?? '',
    env: { NEURO_DATA_DIR: dataDir, DATABASE_URL: scratch?.url ?? '' },
    cleanup: async () => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      await scratch?.drop();
    },
  };
}
