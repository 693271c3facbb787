import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';
import type { Release } from '../src/sw/shell';

/** Where the worker is served: its scope is the whole origin. */
const WORKER_FILE = 'sw.js';
/** The free identifier in the worker's source that the build replaces with the release. */
const PLACEHOLDER = '__GLIDEPATH_RELEASE__';

/** One file the build writes to dist/, by its path there (`assets/index-3f9a1c.js`). */
export interface BuiltFile {
  fileName: string;
  bytes: Uint8Array;
}

/** The path a built file is fetched at: the server answers index.html at `/`. */
export function shellPath(fileName: string): string {
  const path = fileName.split(sep).join('/');
  return path === 'index.html' ? '/' : `/${path}`;
}

/**
 * The release the files make: their shell paths, sorted, and an id hashed from each path and
 * its content's hash. Any changed, added or removed file changes the id; the order files come
 * in does not, so the build stays reproducible byte for byte.
 */
export function releaseOf(files: readonly BuiltFile[]): Release {
  const entries = files
    .map((f) => ({ path: shellPath(f.fileName), digest: createHash('sha256').update(f.bytes).digest('hex') }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const seen = new Set<string>();
  const hash = createHash('sha256');
  for (const { path, digest } of entries) {
    if (seen.has(path)) throw new Error(`two built files are served at ${path}`);
    seen.add(path);
    // A digest has a fixed length and a path no newline: the pairs cannot run into each other.
    hash.update(`${path}\n${digest}\n`);
  }
  return { id: hash.digest('hex').slice(0, 16), files: entries.map((e) => e.path) };
}

/** Every file under `dir` (Vite copies the public folder into dist/ as it is). */
function filesUnder(dir: string): BuiltFile[] {
  const out: BuiltFile[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ fileName: relative(dir, p), bytes: readFileSync(p) });
    }
  };
  walk(dir);
  return out;
}

/**
 * Builds `source` (the worker, TypeScript) into a stand-alone `dist/sw.js` holding the list of
 * this build's shell files and a release id derived from their contents. A new release thus
 * changes the bytes of sw.js, which is what makes the browser install the new worker; the
 * worker precaches exactly that list and deletes everything else when it activates.
 */
export function serviceWorker(source: string): Plugin {
  let root = process.cwd();
  let publicDir = '';
  return {
    name: 'glidepath:service-worker',
    apply: 'build',
    configResolved(config) {
      root = config.root;
      publicDir = config.publicDir;
    },
    buildStart() {
      this.emitFile({ type: 'chunk', id: resolve(root, source), fileName: WORKER_FILE });
    },
    generateBundle: {
      // After index.html is written into the bundle: it is a file of the release too.
      order: 'post',
      handler(_options, bundle) {
        const worker = bundle[WORKER_FILE];
        if (!worker || worker.type !== 'chunk') return this.error(`${WORKER_FILE} was not built`);
        // Service workers are registered as classic scripts: nothing may be imported.
        if (worker.imports.length || worker.dynamicImports.length || worker.exports.length) {
          return this.error(`${WORKER_FILE} must stand alone, but it shares code with the app: ${worker.imports.join(', ')}`);
        }
        const built: BuiltFile[] = [];
        for (const item of Object.values(bundle)) {
          if (item.fileName === WORKER_FILE) continue;
          const bytes = item.type === 'chunk' ? item.code : item.source;
          built.push({ fileName: item.fileName, bytes: typeof bytes === 'string' ? Buffer.from(bytes) : bytes });
        }
        if (publicDir) {
          for (const file of filesUnder(publicDir)) {
            if (file.fileName !== WORKER_FILE) built.push(file);
          }
        }
        const parts = worker.code.split(PLACEHOLDER);
        if (parts.length !== 2) {
          return this.error(`${PLACEHOLDER} occurs ${parts.length - 1} times in the built worker, not once`);
        }
        worker.code = parts.join(JSON.stringify(releaseOf(built)));
      },
    },
  };
}
