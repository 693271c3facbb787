import { expect, test } from '@playwright/test';
import { expectAccessible, register, uniqueEmail } from './helpers';

const points = (text: string | null): number => Number((text ?? '').replace('−', '-').replace(/%.*$/s, ''));

test('the plan page says why the live success moved: a committed contribution is the plan’s part', async ({ page }) => {
  await register(page, uniqueEmail('explain'));
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  const success = page.getByTestId('success');
  await expect(success).toHaveText(/^\d+\.\d% ± \d+\.\d%$/);
  await expect(page.getByTestId('connection')).toHaveText('Live');
  // Without holdings nothing moves the plan until it is edited.
  const line = page.getByTestId('explanation');
  await expect(line).toHaveCount(0);
  const before = points(await success.textContent());

  // The most the contribution slider offers, committed.
  const slider = page.getByRole('slider', { name: 'Monthly contribution' });
  await slider.focus();
  await page.keyboard.press('End');
  await expect(page.getByTestId('whatif-variant')).toHaveText(/\d+\.\d%/);
  await page.getByRole('button', { name: 'Commit' }).click();
  await expect(page.getByText('Saved as your plan.')).toBeVisible();

  await expect(line).toHaveText(/^\+\d+\.\d points since \d\d:\d\d: your higher contribution \+\d+\.\d$/);
  // The line's total is the move of the number beside it, and all of it is the plan's.
  const text = (await line.textContent()) ?? '';
  const [total, part] = [...text.matchAll(/[+−]\d+\.\d/g)].map((m) => points(m[0]));
  const after = points(await success.textContent());
  expect(Math.abs((total ?? NaN) - (after - before))).toBeLessThan(0.11);
  expect(part).toBe(total);
  await expectAccessible(page);
});
