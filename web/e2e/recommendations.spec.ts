import { expect, test } from '@playwright/test';
import { expectAccessible, register, screenshot, uniqueEmail } from './helpers';

interface Rec { id: string; cost: string; change: Record<string, number | number[]>; success_after: number }

const EDITOR_LABELS: Record<string, string> = {
  monthly_contribution: 'Monthly contribution',
  monthly_spending: 'Monthly spending',
  retirement_month: 'Retirement month',
  annual_fee: 'Annual fee',
};

test('recommendations are verified changes; accepting one makes it the plan', async ({ page }) => {
  await register(page, uniqueEmail('recs'));
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  const card = page.getByTestId('recommendations');
  await expect(card).toContainText('No open recommendation');
  const answered = page.waitForResponse((r) => r.url().endsWith('/ml/recommendations') && r.request().method() === 'POST');
  await card.getByRole('button', { name: 'Recommend changes' }).click();
  const body = (await (await answered).json()) as { recommendations: Rec[] };
  expect(body.recommendations.length).toBeGreaterThan(0);
  const items = card.getByTestId('recommendation');
  await expect(items).toHaveCount(body.recommendations.length);
  const first = body.recommendations[0]!;
  await expect(items.first()).toContainText(first.cost);
  await expect(items.first()).toContainText('chance of success');
  await expectAccessible(page);
  await screenshot(page, 'recommendations');

  await items.first().getByRole('button', { name: 'Accept' }).click();
  await expect(card.getByRole('status')).toContainText(`Accepted: ${first.cost}`);
  await expect(items).toHaveCount(body.recommendations.length - 1);
  // The plan editor shows the accepted values.
  for (const [field, value] of Object.entries(first.change)) {
    const label = EDITOR_LABELS[field];
    if (!label || Array.isArray(value)) continue;
    await expect(page.getByLabel(label, { exact: true }).and(page.locator('input[type=number]'))).toHaveValue(String(value));
  }
});
