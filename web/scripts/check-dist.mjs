// Fails when the committed dist/ is not exactly what `npm run build` makes now: the server
// embeds dist/, so what ships must be reproducible from the sources.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

function files(root) {
  const out = new Map();
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(root, p), readFileSync(p));
    }
  };
  walk(root);
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'gp-dist-'));
try {
  execFileSync('npx', ['vite', 'build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'], { stdio: 'inherit' });
  const fresh = files(dir);
  const committed = files('dist');
  const problems = [];
  for (const [name, bytes] of fresh) {
    if (!committed.has(name)) problems.push(`missing from dist/: ${name}`);
    else if (!committed.get(name).equals(bytes)) problems.push(`differs: dist/${name}`);
  }
  for (const name of committed.keys()) if (!fresh.has(name)) problems.push(`not built any more: dist/${name}`);
  if (problems.length) {
    console.error(`dist/ is not what \`npm run build\` makes:\n  ${problems.join('\n  ')}\nRun \`npm run build\` and commit dist/.`);
    process.exit(1);
  }
  console.log(`dist/ matches a fresh build (${fresh.size} files)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
