import { describe, expect, it } from 'vitest';
import { CACHE_PREFIX, cacheName, prune, strategyFor, type CacheLike, type CacheStorageLike, type Release } from '../src/sw/shell';

const ORIGIN = 'https://glidepath.test';

/** The Cache API in memory: caches by name, each entries by URL, as the browser keeps them. */
class FakeCaches implements CacheStorageLike {
  readonly stores = new Map<string, Map<string, Response>>();

  async keys(): Promise<string[]> {
    return [...this.stores.keys()];
  }

  async open(name: string): Promise<CacheLike> {
    let store = this.stores.get(name);
    if (!store) this.stores.set(name, (store = new Map()));
    const entries = store;
    return {
      keys: async () => [...entries.keys()].map((url) => new Request(url)),
      delete: async (request: Request) => entries.delete(request.url),
    };
  }

  async delete(name: string): Promise<boolean> {
    return this.stores.delete(name);
  }

  put(cache: string, path: string): void {
    if (!this.stores.has(cache)) this.stores.set(cache, new Map());
    this.stores.get(cache)?.set(new URL(path, ORIGIN).href, new Response('x'));
  }

  /** Every cache's paths, sorted. */
  contents(): Record<string, string[]> {
    return Object.fromEntries(
      [...this.stores].map(([name, entries]) => [name, [...entries.keys()].map((u) => new URL(u).pathname + new URL(u).search).sort()]),
    );
  }
}

const release: Release = {
  id: 'c0ffee0000000001',
  files: ['/', '/assets/index-NEW111.css', '/assets/index-NEW222.js', '/icons/icon.svg', '/manifest.webmanifest'],
};

describe('the service worker keeps exactly the current release', () => {
  it('names its cache after the release', () => {
    expect(cacheName(release)).toBe(`${CACHE_PREFIX}${release.id}`);
    expect(cacheName({ ...release, id: 'another' })).not.toBe(cacheName(release));
  });

  it('deletes older releases’ caches, the old fixed cache and stray entries, and keeps the release', async () => {
    const storage = new FakeCaches();
    const current = cacheName(release);
    for (const file of release.files) storage.put(current, file);
    storage.put(current, '/assets/old-deadbeef.js'); // left by an older page's fetch
    storage.put(current, '/?utm=x'); // not the release's `/`
    storage.put(`${CACHE_PREFIX}0ldre1ease000000`, '/assets/index-OLD.js');
    storage.put(`${CACHE_PREFIX}0ldre1ease000000`, '/');
    storage.put('glidepath-shell-v1', '/assets/index-OLDER.js');

    const pruned = await prune(storage, release);

    expect(storage.contents()).toEqual({ [current]: [...release.files].sort() });
    expect(pruned.caches.sort()).toEqual([`${CACHE_PREFIX}0ldre1ease000000`, 'glidepath-shell-v1']);
    expect(pruned.entries.sort()).toEqual(['/?utm=x', '/assets/old-deadbeef.js']);
  });

  it('changes nothing when only the release is there', async () => {
    const storage = new FakeCaches();
    for (const file of release.files) storage.put(cacheName(release), file);
    const before = storage.contents();
    expect(await prune(storage, release)).toEqual({ caches: [], entries: [] });
    expect(storage.contents()).toEqual(before);
  });
});

describe('what the service worker intercepts', () => {
  const get = (path: string, mode = 'cors') => ({ method: 'GET', mode, url: new URL(path, ORIGIN).href });

  it('answers navigations to the app from the network first', () => {
    for (const path of ['/', '/app', '/app/plan', '/app/advisor/clients/42']) {
      expect(strategyFor(get(path, 'navigate'), ORIGIN)).toBe('shell-page');
    }
  });

  it('answers the shell’s static files from the cache', () => {
    for (const path of ['/assets/index-abc.js', '/assets/index-abc.css', '/icons/icon-192.png', '/manifest.webmanifest']) {
      expect(strategyFor(get(path), ORIGIN)).toBe('static');
    }
  });

  it('never intercepts the API, /ws, other methods or other origins', () => {
    const untouched = [
      get('/auth/refresh'),
      get('/users/profile'),
      get('/planning/plan'),
      get('/ws'),
      get('/openapi.json'),
      get('/health'),
      get('/'), // a script's fetch of `/` is not a navigation
      get('/auth/demo', 'navigate'),
      { method: 'POST', mode: 'cors', url: `${ORIGIN}/assets/index-abc.js` },
      { method: 'GET', mode: 'navigate', url: 'https://elsewhere.test/app/plan' },
      { method: 'GET', mode: 'cors', url: 'https://elsewhere.test/assets/index-abc.js' },
    ];
    for (const request of untouched) expect(strategyFor(request, ORIGIN), request.url).toBe('network-only');
  });
});
