// The dashboard's service worker, built into dist/sw.js by plugins/service-worker.ts. It keeps
// the app shell of exactly the current release (index.html, the hashed bundle, icons,
// manifest) so the dashboard opens offline or on a flaky network, and deletes older releases'
// files when it takes over. It never touches API responses or /ws: those always go to the
// network, so no plan or account data is stored.
import { cacheName, entryKey, prune, strategyFor, type Release } from './shell';

declare const self: ServiceWorkerGlobalScope;
/** Replaced by the build with this release's id and files (see plugins/service-worker.ts). */
declare const __GLIDEPATH_RELEASE__: Release;

const release: Release = __GLIDEPATH_RELEASE__;
const CACHE = cacheName(release);
const FILES = new Set(release.files);

self.addEventListener('install', (event) => {
  // Revalidated, not taken from the HTTP cache unseen: index.html and the icons keep their
  // names across releases.
  const requests = release.files.map((file) => new Request(file, { cache: 'no-cache' }));
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(requests))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(prune(caches, release).then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  switch (strategyFor(request, self.location.origin)) {
    case 'shell-page':
      // The release's own index.html when offline. A page from the network is not stored:
      // it may belong to a newer release, whose worker will bring its own shell.
      event.respondWith(
        fetch(request).catch(() =>
          caches
            .open(CACHE)
            .then((cache) => cache.match('/'))
            .then((hit) => hit ?? Response.error()),
        ),
      );
      return;
    case 'static':
      event.respondWith(
        caches.open(CACHE).then((cache) =>
          cache.match(request).then(
            (hit) =>
              hit ??
              fetch(request).then((response) => {
                // Only the release's own files: an older page's lazy chunk is not kept.
                if (response.ok && FILES.has(entryKey(request.url))) void cache.put(request, response.clone());
                return response;
              }),
          ),
        ),
      );
      return;
    case 'network-only':
      // The API, /ws, /openapi.json: not intercepted, never stored.
      return;
  }
});
