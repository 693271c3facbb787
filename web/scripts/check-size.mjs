// Fails when the JavaScript a first visit loads (the entry script of dist/index.html and the
// chunks it imports statically) is over the budget of 200 KB gzip; pages loaded on demand
// (advisor, admin) do not count.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET = 200 * 1024;
const html = readFileSync('dist/index.html', 'utf8');
const seen = new Set();
const queue = [...html.matchAll(/<script[^>]+src="\/([^"]+)"/g), ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/([^"]+)"/g)].map((m) => m[1]);
let total = 0;
while (queue.length) {
  const file = queue.shift();
  if (seen.has(file)) continue;
  seen.add(file);
  const code = readFileSync(join('dist', file));
  total += gzipSync(code, { level: 9 }).length;
  // Static imports between chunks: `from"./x.js"` or `import"./x.js"` (dynamic ones are `import("./x.js")`).
  for (const m of code.toString('utf8').matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) queue.push(`assets/${m[1]}`);
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
if (total > BUDGET) {
  console.error(`initial JavaScript is ${kb(total)} gzip, over the ${kb(BUDGET)} budget (${[...seen].join(', ')})`);
  process.exit(1);
}
console.log(`initial JavaScript: ${kb(total)} gzip of ${kb(BUDGET)} (${[...seen].join(', ')})`);
