import path from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The server serves dist/web at / (src/server/plugins/web.ts); `npx vite web` serves the app with
// the API proxied to a server on :8080 while developing.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: path.resolve(import.meta.dirname, '../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    // Every asset is a file of ours, never a data: URL (the Content-Security-Policy stays strict).
    assetsInlineLimit: 0,
    // The finding editor's chunk (CodeMirror, the CVSS 4.0 tables, markdown-it, DOMPurify) is about
    // 860 KB (270 KB gzip), loaded only when an editor opens; the first load is a fraction of it.
    chunkSizeWarningLimit: 1000,
  },
  server: { proxy: { '/api': 'http://localhost:8080' } },
});
