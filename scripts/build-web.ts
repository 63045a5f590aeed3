/**
 * `npm run build:web`: builds the web app (web/, Vite) into dist/web and writes a gzip and a brotli
 * copy of each text file beside it, which the server sends to browsers that accept them.
 * `--if-stale` builds only when the sources (web/ and the lock file) changed since the last build:
 * `npm install` (prepare), `npm start` and the test run call it that way, so nobody runs a build
 * by hand.
 */
import { ensureWebBuilt } from './web-build.js';

const built = await ensureWebBuilt({ force: !process.argv.includes('--if-stale') });
if (built) console.log(`web app built into ${built.outDir} in ${(built.ms / 1000).toFixed(1)} s`);
