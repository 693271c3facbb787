import { expect, test } from '@playwright/test';
import { expectAccessible, register, uniqueEmail } from './helpers';

test('the plan page says what each input would need for a chosen chance of success', async ({ page }) => {
  await register(page, uniqueEmail('solve'));
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  const panel = page.getByRole('region', { name: 'What could I change?' });
  await panel.getByLabel('Chance of success I want (%)').fill('80');
  await panel.getByRole('button', { name: 'Find my options' }).click();

  const answers = panel.getByTestId('solve-answers');
  await expect(answers).toBeVisible({ timeout: 60_000 });
  await expect(answers.locator('caption')).toContainText('for 80%');
  const rows = answers.locator('tbody tr');
  await expect(rows).toHaveCount(4);
  // The default plan (saving until month 360, spending after) can reach 80% with each input.
  await expect(rows.nth(0)).toContainText(/Highest monthly spending\s*[\d,]+\.\d\d/);
  await expect(rows.nth(1)).toContainText(/Lowest monthly contribution\s*[\d,]+\.\d\d/);
  await expect(rows.nth(2)).toContainText(/Earliest retirement\s*month \d+ \(in \d+ years?/);
  await expect(rows.nth(3)).toContainText(/Smallest starting wealth\s*[\d,]+\.\d\d/);
  // Each is checked on fresh paths: near the target, with its standard error.
  for (let i = 0; i < 4; i++) {
    const achieved = await rows.nth(i).locator('td').nth(1).textContent();
    const value = (achieved ?? '').split('±')[0] ?? '';
    expect(Math.abs(Number(value.replace('%', '').trim()) - 80)).toBeLessThan(3);
  }
  await expectAccessible(page);
});
