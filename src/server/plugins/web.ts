import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The web app (web/, built into dist/web) at `/`, with the history-API fallback: any GET that is
 * not a file of the build and not under /api answers index.html, and the app's router takes it
 * from there. Only the files the build wrote are served (a set read at start, so no path from a
 * request ever reaches the file system); hashed assets are cached for good, index.html never.
 * Brotli or gzip copies written by the build go to browsers that accept them.
 *
 * The Content-Security-Policy allows scripts of our own origin only (no inline script, no CDN);
 * styles may be inline because the editor (CodeMirror) writes its own style element.
 */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': WEB_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>NEURO</title>
<p>The web app is not built. Run <code>npm run build:web</code> (npm install and npm start build it by themselves), then reload.</p>
<p>The API is at <a href="/api/v1/health">/api/v1</a>.</p>`;

function builtFiles(dir: string, base = dir, out = new Set<string>()): Set<string> {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) builtFiles(p, base, out);
    else if (!/\.(gz|br)$/.test(e.name) && !e.name.startsWith('.')) out.add(path.relative(base, p).split(path.sep).join('/'));
  }
  return out;
}

export async function registerWebApp(app: FastifyInstance, opts: { dir: string }) {
  const files = builtFiles(opts.dir);
  const built = files.has('index.html');
  if (built) {
    await app.register(fastifyStatic, { root: opts.dir, serve: false, preCompressed: true, etag: true, lastModified: false, cacheControl: false });
  }
  const send = (reply: FastifyReply, file: string, cache: string) => reply.header('cache-control', cache).sendFile(file);

  app.get('/*', { schema: { hide: true }, config: { webApp: true } }, async (request, reply) => {
    const pathname = request.url.split('?')[0] ?? '/';
    if (pathname === '/api' || pathname.startsWith('/api/')) return reply.callNotFound();
    reply.headers(SECURITY_HEADERS);
    if (!built) return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    let file: string;
    try {
      file = decodeURIComponent(pathname).replace(/^\/+/, '');
    } catch {
      file = '';
    }
    if (files.has(file) && file !== 'index.html') {
      return send(reply, file, file.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
    }
    // A missing asset is a 404, not the app: a stale tab asking for an old chunk must notice.
    if (file.startsWith('assets/')) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return send(reply, 'index.html', 'no-cache');
  });
}
