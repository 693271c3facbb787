import { writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { register, uniqueEmail } from './helpers';

/**
 * The dashboard's budgets, measured in the browser (BENCHMARKS.md): an update frame's arrival
 * to the DOM showing it ≤ 16 ms at p95 over 300 updates; a what-if answered and drawn ≤ 50 ms
 * at p95 while a slider is dragged. A benchmark (`npm run bench`), not part of `npm run e2e`:
 * it prints and saves the figures (test-results/perf.json) rather than failing on a slow
 * machine.
 */
const UPDATES = Number(process.env.PERF_UPDATES ?? 300);

interface PerfLog {
  frameToDom: number[];
  whatIfToDom: number[];
}

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? NaN;
}

const perf = (page: Page) => page.evaluate(() => (window as unknown as { __glidepathPerf: PerfLog }).__glidepathPerf);

test('frame-to-DOM and what-if latencies in the browser', async ({ page }) => {
  test.setTimeout(120_000 + UPDATES * 1_100);
  await register(page, uniqueEmail('perf'));
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  for (const [symbol, quantity] of [['AAPL', '800'], ['MSFT', '400']] as const) {
    await page.getByLabel('Symbol').fill(symbol);
    await page.getByLabel('Quantity').fill(quantity);
    await page.getByRole('button', { name: 'Add holding' }).click();
    await expect(page.getByTestId('holdings').getByRole('row', { name: new RegExp(symbol) })).toBeVisible();
  }
  await page.evaluate(() => {
    (window as unknown as { __glidepathPerf: PerfLog }).__glidepathPerf.frameToDom.length = 0;
  });
  await expect
    .poll(async () => (await perf(page)).frameToDom.length, { timeout: UPDATES * 1_100, intervals: [1000] })
    .toBeGreaterThanOrEqual(UPDATES);

  // Drag the contribution slider across its track, a move per display frame.
  const slider = page.getByRole('slider', { name: 'Monthly contribution' });
  await slider.scrollIntoViewIfNeeded();
  const box = (await slider.boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + 4, y);
  await page.mouse.down();
  for (let i = 0; i <= 120; i++) {
    await page.mouse.move(box.x + 4 + ((box.width - 8) * (i % 60)) / 60, y);
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
  await expect(page.getByTestId('whatif-variant')).toBeVisible();
  await page.waitForTimeout(500);

  const log = await perf(page);
  const frames = log.frameToDom.slice(-UPDATES);
  const result = {
    updates: frames.length,
    frame_to_dom_p50_ms: [...frames].sort((a, b) => a - b)[Math.floor(frames.length / 2)],
    frame_to_dom_p95_ms: p95(frames),
    what_ifs: log.whatIfToDom.length,
    what_if_p95_ms: p95(log.whatIfToDom),
    user_agent: await page.evaluate(() => navigator.userAgent),
  };
  writeFileSync('test-results/perf.json', JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result));
  expect(frames.length).toBeGreaterThanOrEqual(UPDATES);
  expect(log.whatIfToDom.length).toBeGreaterThan(5);
});
