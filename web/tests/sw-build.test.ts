import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { releaseOf, shellPath, type BuiltFile } from '../plugins/service-worker';

const file = (fileName: string, text: string): BuiltFile => ({ fileName, bytes: Buffer.from(text) });

describe('the release the build injects into sw.js', () => {
  const files = [file('index.html', '<html>'), file('assets/index-a1.js', 'code'), file('icons/icon.svg', '<svg/>')];

  it('lists every file at the path it is fetched at, sorted', () => {
    expect(releaseOf(files).files).toEqual(['/', '/assets/index-a1.js', '/icons/icon.svg']);
    expect(shellPath('index.html')).toBe('/');
    expect(shellPath('assets/x.js')).toBe('/assets/x.js');
  });

  it('has an id that depends on the files, not on the order they come in', () => {
    const id = releaseOf(files).id;
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(releaseOf([...files].reverse()).id).toBe(id);
    // Any change of content, name, or of the set of files is a new release.
    expect(releaseOf([file('index.html', '<html> '), ...files.slice(1)]).id).not.toBe(id);
    expect(releaseOf([file('index.html', '<html>'), file('assets/index-a2.js', 'code'), files[2]!]).id).not.toBe(id);
    expect(releaseOf(files.slice(0, 2)).id).not.toBe(id);
    expect(releaseOf([...files, file('assets/more.js', '')]).id).not.toBe(id);
  });

  it('refuses two files served at one path', () => {
    expect(() => releaseOf([file('index.html', 'a'), file('index.html', 'b')])).toThrow(/served at \//);
  });

  it('describes exactly the committed dist/ (the worker precaches what the server serves)', () => {
    const dist = 'dist';
    const built: BuiltFile[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else built.push({ fileName: relative(dist, p), bytes: readFileSync(p) });
      }
    };
    walk(dist);
    const worker = built.find((f) => f.fileName === 'sw.js');
    expect(worker).toBeDefined();
    const injected = /\{"id":"[0-9a-f]{16}","files":\[[^\]]*\]\}/.exec(Buffer.from(worker?.bytes ?? []).toString('utf8'));
    expect(injected).not.toBeNull();
    const release = JSON.parse(injected?.[0] ?? '{}') as { id: string; files: string[] };
    const others = built.filter((f) => f.fileName !== 'sw.js');
    expect(release.files).toEqual(others.map((f) => shellPath(f.fileName)).sort());
    expect(release.files).toContain('/');
    expect(release.files.some((f) => /^\/assets\/index-[\w-]+\.js$/.test(f))).toBe(true);
    expect(release.id).toBe(releaseOf(others).id);
  });
});
