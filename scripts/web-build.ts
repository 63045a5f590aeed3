import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const ROOT = path.resolve(import.meta.dirname, '..');
const WEB = path.join(ROOT, 'web');
export const WEB_OUT = path.join(ROOT, 'dist/web');
const STAMP = path.join(WEB_OUT, '.build-stamp');
const COMPRESS = /\.(js|css|html|svg|json|txt|map)$/;

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** A hash of everything the build reads: the app's files and the locked dependency versions. */
function sourceStamp(): string {
  const h = createHash('sha256');
  for (const f of [...walk(WEB).sort(), path.join(ROOT, 'package-lock.json')]) {
    h.update(path.relative(ROOT, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  }
  return h.digest('hex');
}

/** Builds the web app unless its last build is of the same sources; undefined when nothing was done. */
export async function ensureWebBuilt(opts: { force?: boolean; quiet?: boolean } = {}) {
  const stamp = sourceStamp();
  if (!opts.force && fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === stamp) return undefined;
  const started = Date.now();
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    throw new Error('The web app needs building but Vite is not installed: run npm install (with dev dependencies)');
  }
  await vite.build({ configFile: path.join(WEB, 'vite.config.ts'), logLevel: opts.quiet ? 'warn' : 'info' });
  for (const f of walk(WEB_OUT)) {
    if (!COMPRESS.test(f)) continue;
    const body = fs.readFileSync(f);
    fs.writeFileSync(`${f}.gz`, zlib.gzipSync(body, { level: 9 }));
    fs.writeFileSync(`${f}.br`, zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
  }
  fs.writeFileSync(STAMP, stamp);
  return { outDir: path.relative(process.cwd(), WEB_OUT) || '.', ms: Date.now() - started };
}
