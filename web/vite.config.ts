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
    chunkSizeWarningLimit: 800,
  },
  server: { proxy: { '/api': 'http://localhost:8080' } },
});
