import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The web app (web/, built into dist/web) at `/`, with the history-API fallback: each file of the
 * build has its own route (read once at start, so no path from a request ever reaches the file
 * system), and any other GET outside /api answers index.html from the not-found handler, where
 * the app's router takes over. Hashed assets are cached for good, index.html never; brotli or
 * gzip copies written by the build go to browsers that accept them. Unrouted /api paths keep the
 * API's 404 envelope, and URLs the router refuses keep their 400.
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

function builtFiles(dir: string, base = dir, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) builtFiles(p, base, out);
    else if (!/\.(gz|br)$/.test(e.name) && !e.name.startsWith('.')) out.push(path.relative(base, p).split(path.sep).join('/'));
  }
  return out;
}

export interface WebApp {
  /** The file routes; call once, after the API's routes. */
  register(app: FastifyInstance): Promise<void>;
  /** For the not-found handler: answers index.html (true) for a GET outside /api, else false. */
  fallback(request: FastifyRequest, reply: FastifyReply): boolean;
}

export function webApp(dir: string): WebApp {
  const files = builtFiles(dir);
  const built = files.includes('index.html');
  return {
    async register(app) {
      if (!built) return;
      await app.register(fastifyStatic, { root: dir, serve: false, preCompressed: true, etag: true, lastModified: false, cacheControl: false });
      for (const file of files) {
        if (file === 'index.html') continue;
        const cache = file.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600';
        app.get(`/${file}`, { schema: { hide: true }, config: { webApp: true } }, (_request, reply) =>
          reply.headers(SECURITY_HEADERS).header('cache-control', cache).sendFile(file));
      }
    },
    fallback(request, reply) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return false;
      const pathname = request.url.split('?')[0] ?? '/';
      // The API's paths keep the API's 404, and a missing asset is a 404 too: a stale tab asking
      // for a chunk of an older build must notice rather than get the app.
      if (pathname === '/api' || pathname.startsWith('/api/') || pathname.startsWith('/assets/')) return false;
      reply.headers(SECURITY_HEADERS);
      if (!built) {
        void reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
      } else {
        void reply.code(200).header('cache-control', 'no-cache').sendFile('index.html');
      }
      return true;
    },
  };
}
