import { expect, test } from '@playwright/test';
import { expectAccessible, PASSWORD, register, screenshot, uniqueEmail } from './helpers';

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

test('crossing an alert threshold brings live recommendations to the plan page', async ({ page, request }) => {
  const email = uniqueEmail('live-recs');
  await register(page, email);
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  const login = await request.post('/auth/login', { data: { email, password: PASSWORD } });
  expect(login.ok()).toBe(true);
  const auth = { authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}` };
  const live = (await (await request.get('/live/state', { headers: auth })).json()) as { simulation: { success_probability: number } };
  const level = Math.min(0.99, Math.round((live.simulation.success_probability + 0.1) * 1000) / 1000);
  const rule = await request.post('/alerts/rules', { headers: auth, data: { kind: 'success_below', level, hysteresis: 0 } });
  expect(rule.status()).toBe(201);

  // The threshold is crossed at once: the stream pushes the recommendations, stored.
  const card = page.getByTestId('recommendations');
  const banner = card.getByTestId('live-recommendations');
  await expect(banner).toContainText(`at or below your ${(level * 100).toFixed(1)}% alert`);
  const stored = (await (await request.get('/ml/recommendations', { headers: auth })).json()) as (Rec & { status: string; success_before: number })[];
  const open = stored.filter((r) => r.status === 'new');
  expect(open.length).toBeGreaterThan(0);
  for (const r of open) expect(r.success_before).toBe(live.simulation.success_probability);
  const items = card.getByTestId('recommendation');
  await expect(items).toHaveCount(open.length);
  for (const r of open) await expect(card).toContainText(r.cost);
  await expectAccessible(page);

  // Accepting one that clears the threshold: the banner says the plan is back above it.
  const clears = open.findIndex((r) => r.success_after > level);
  expect(clears).toBeGreaterThanOrEqual(0);
  const target = open[clears]!;
  await card.getByTestId('recommendation').filter({ hasText: target.cost }).getByRole('button', { name: 'Accept' }).click();
  await expect(banner).toContainText('back above your alert thresholds');
});

test('a plan with goals gets goal trade-offs; accepting one changes the goal', async ({ page, request }) => {
  const email = uniqueEmail('goal-recs');
  await register(page, email);
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  const login = await request.post('/auth/login', { data: { email, password: PASSWORD } });
  const auth = { authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}` };
  const plan = {
    initial_wealth: 250000, monthly_contribution: 1500, retirement_month: 360, monthly_spending: 5000, horizon_months: 720,
    extensions: {
      goals: [
        { name: 'boat', amount: 80000, month: 120, priority: 'want' },
        { name: 'roof', amount: 120000, month: 420, priority: 'need' },
      ],
    },
  };
  expect((await request.put('/planning/plan', { headers: auth, data: plan })).ok()).toBe(true);
  await page.reload();

  const card = page.getByTestId('recommendations');
  const answered = page.waitForResponse((r) => r.url().endsWith('/ml/recommendations') && r.request().method() === 'POST');
  await card.getByRole('button', { name: 'Recommend changes' }).click();
  const body = (await (await answered).json()) as { recommendations: (Rec & { kind: string; change: { goal?: { name: string; new_month?: number } } })[] };
  const trade = body.recommendations.find((r) => r.kind === 'drop_goal' || r.kind === 'delay_goal');
  expect(trade, JSON.stringify(body)).toBeDefined();
  expect(trade!.change.goal!.name).toBe('boat');
  const item = card.getByTestId('recommendation').filter({ hasText: trade!.cost });
  await expect(item).toHaveAttribute('data-kind', trade!.kind);
  await item.getByRole('button', { name: 'Accept' }).click();
  await expect(card.getByRole('status')).toContainText(`Accepted: ${trade!.cost}`);

  const stored = (await (await request.get('/planning/plan', { headers: auth })).json()) as { extensions: { goals: { name: string; month: number }[] } };
  const boat = stored.extensions.goals.find((g) => g.name === 'boat');
  if (trade!.kind === 'drop_goal') expect(boat).toBeUndefined();
  else expect(boat!.month).toBe(trade!.change.goal!.new_month);
  expect(stored.extensions.goals.some((g) => g.name === 'roof')).toBe(true);
});
