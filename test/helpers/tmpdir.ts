import fs from 'node:fs';
import os from 'node:os';

/**
 * Where test data folders go: memory (/dev/shm) when the machine has it. An embedded database is
 * some 2,000 files; copying one and deleting it again on a disk mounted with `discard` cost about
 * four seconds per test server, more than starting the server itself. NEURO_TEST_TMPDIR overrides.
 */
export const TEST_TMPDIR = (() => {
  if (process.env.NEURO_TEST_TMPDIR) return process.env.NEURO_TEST_TMPDIR;
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    // Room for a few dozen databases at once (40 MB each), else the disk.
    const { bavail, bsize } = fs.statfsSync('/dev/shm');
    if (bavail * bsize > 2 * 1024 ** 3) return '/dev/shm';
  } catch {
    // no /dev/shm here
  }
  return os.tmpdir();
})();
