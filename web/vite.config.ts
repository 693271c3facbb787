import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { serviceWorker } from './plugins/service-worker.ts';

// The API server the dev and preview servers forward to (the dashboard is served by the
// Glidepath binary itself in production, so this only matters while developing `web/`).
const api = process.env.API_ORIGIN ?? 'http://127.0.0.1:8080';
const apiPrefixes = [
  '/auth', '/users', '/planning', '/simulations', '/market', '/portfolio', '/advisors',
  '/advisor', '/alerts', '/live', '/admin', '/health', '/metrics', '/openapi.json',
];
const proxy = Object.fromEntries([
  ...apiPrefixes.map((p) => [p, { target: api, changeOrigin: true }]),
  ['/ws', { target: api.replace(/^http/, 'ws'), ws: true, changeOrigin: true }],
]);

export default defineConfig({
  base: '/',
  plugins: [react(), serviceWorker('src/sw/worker.ts')],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // Every asset is a file of its own: `style-src 'self'` forbids inlined data: URLs for CSS
    // only in some browsers' eyes, and a file is cacheable as immutable like the rest.
    assetsInlineLimit: 0,
  },
  server: { host: '127.0.0.1', proxy },
  preview: { host: '127.0.0.1', proxy },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});
