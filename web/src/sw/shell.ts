/**
 * What the service worker decides, kept apart from its event wiring (`worker.ts`) so that it
 * can be tested without a browser. The invariant: the worker keeps the app shell of exactly
 * one release (index.html, the bundle, icons, manifest) and never API responses or /ws, so no
 * plan or account data is ever stored.
 */

/** One build of the dashboard as the worker sees it; the build injects it into `sw.js`. */
export interface Release {
  /** Derived from every shell file's path and content: any change makes a new id. */
  id: string;
  /** Every file of the shell by the path it is fetched at (`/` for index.html), sorted. */
  files: string[];
}

/** Every cache of this worker's is named so; the release id follows. */
export const CACHE_PREFIX = 'glidepath-shell-';

/** The cache that holds `release`'s files. */
export function cacheName(release: Release): string {
  return `${CACHE_PREFIX}${release.id}`;
}

/** How the worker answers a request. */
export type Strategy =
  /** Network first (a new release shows at once), the cached shell when offline. */
  | 'shell-page'
  /** Cache first: a file of the release never changes under its name. */
  | 'static'
  /** Not intercepted: the API, /ws, /openapi.json and anything else go to the network. */
  | 'network-only';

/** The request's facts the strategy depends on (a `Request` has them all). */
export interface RequestFacts {
  method: string;
  mode: string;
  url: string;
}

/** Which strategy answers `request` on a worker running at `origin`. */
export function strategyFor(request: RequestFacts, origin: string): Strategy {
  if (request.method !== 'GET') return 'network-only';
  const url = new URL(request.url);
  if (url.origin !== origin) return 'network-only';
  const path = url.pathname;
  if (request.mode === 'navigate' && (path === '/' || path === '/app' || path.startsWith('/app/'))) {
    return 'shell-page';
  }
  if (path.startsWith('/assets/') || path.startsWith('/icons/') || path === '/manifest.webmanifest') {
    return 'static';
  }
  return 'network-only';
}

/** The key a cached request is compared by: its path and query, without the origin. */
export function entryKey(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

/** The part of the Cache API `prune` uses (the browser's `Cache` has it). */
export interface CacheLike {
  keys(): Promise<readonly Request[]>;
  delete(request: Request): Promise<boolean>;
}

/** The part of `CacheStorage` `prune` uses. */
export interface CacheStorageLike {
  keys(): Promise<string[]>;
  open(name: string): Promise<CacheLike>;
  delete(name: string): Promise<boolean>;
}

/** What `prune` removed. */
export interface Pruned {
  /** Whole caches: older releases' (and the single cache of the worker before them). */
  caches: string[];
  /** Entries of the current release's cache that are not files of the release. */
  entries: string[];
}

/**
 * Leaves exactly `release` in the origin's Cache Storage: deletes every other cache (the app
 * itself keeps nothing there, so every cache is this worker's, whatever its name) and every
 * entry of the release's cache that is not one of its files.
 */
export async function prune(storage: CacheStorageLike, release: Release): Promise<Pruned> {
  const current = cacheName(release);
  const pruned: Pruned = { caches: [], entries: [] };
  for (const name of await storage.keys()) {
    if (name !== current && (await storage.delete(name))) pruned.caches.push(name);
  }
  const files = new Set(release.files);
  const cache = await storage.open(current);
  for (const request of await cache.keys()) {
    const key = entryKey(request.url);
    if (!files.has(key) && (await cache.delete(request))) pruned.entries.push(key);
  }
  return pruned;
}
