import { expect, test, type APIRequestContext } from '@playwright/test';
import { expectAccessible, PASSWORD, register, screenshot, uniqueEmail } from './helpers';

const pct = (p: number, digits = 1): string => `${(p * 100).toFixed(digits)}%`;
const price = (n: number): string =>
  new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n);

/** An access token for `email` in JSON mode, beside the browser's own session. */
async function token(request: APIRequestContext, email: string): Promise<string> {
  const r = await request.post('/auth/login', { data: { email, password: PASSWORD } });
  expect(r.ok()).toBe(true);
  return ((await r.json()) as { access_token: string }).access_token;
}

interface Assessment {
  answers: { tolerance: { score: number; band: string } } | null;
  capacity: { largest_fall: number; largest_fall_share: number; wealth: number } | null;
  need: { equity_share: number | null; required_return: number | null } | null;
  profile: { recommended_equity_share: number; binding: string; plan_must_change: boolean } | null;
}

test('the risk profile page answers the questionnaire and shows what the API computes', async ({ page, request }) => {
  const email = uniqueEmail('risk');
  await register(page, email);
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  // A plan that keeps half of its paths with room to spare: P1 spending 4,000 a month.
  const auth = { authorization: `Bearer ${await token(request, email)}` };
  const plan = {
    initial_wealth: 250000, monthly_contribution: 1500, retirement_month: 360, monthly_spending: 4000,
    horizon_months: 720,
  };
  expect((await request.put('/planning/plan', { headers: auth, data: plan })).ok()).toBe(true);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Risk profile' }).click();
  await expect(page).toHaveURL(/\/app\/risk$/);
  await expect(page.getByRole('heading', { name: 'Risk profile', level: 1 })).toBeVisible();
  await expect(page.getByTestId('risk-tolerance')).toContainText('Answer the questionnaire');

  // Option 2 of every item but 9 and 10 (the sure gains, option 1), the last left out first.
  const groups = page.getByRole('group');
  await expect(groups).toHaveCount(13);
  for (let i = 0; i < 12; i++) {
    const group = groups.nth(i);
    await group.getByRole('radio').nth(i === 8 || i === 9 ? 0 : 1).check();
  }
  await page.getByRole('button', { name: 'Save my answers' }).click();
  // The server names the missing item; the page says so beside it.
  const last = page.getByRole('group', { name: /^13\. Your trusted friend/ });
  await expect(last.getByRole('alert')).toContainText('missing');
  await expect(page.getByTestId('risk-save-error')).toBeVisible();
  await last.getByRole('radio', { name: "One month's salary" }).check();
  await page.getByRole('button', { name: 'Save my answers' }).click();
  // 3 + 2·7 + 1 + 1 + 2·3 = 25: average.
  await expect(page.getByTestId('tolerance-score')).toContainText('25', { timeout: 30_000 });
  await expect(page.getByTestId('tolerance-band')).toContainText('average: 40% to 60% in equity');

  // Keep half of the paths: the page asks again.
  await page.getByLabel('Chance of success to keep (%)').fill('50');
  await page.getByRole('button', { name: 'Assess' }).click();
  const r = await request.get('/ml/risk-assessment?success_threshold=0.5', { headers: auth });
  expect(r.ok()).toBe(true);
  const api = (await r.json()) as Assessment;
  expect(api.answers?.tolerance.score).toBe(25);
  const capacity = api.capacity!;
  expect(capacity.largest_fall).toBeGreaterThan(0);
  await expect(page.getByTestId('capacity-fall')).toHaveText(pct(capacity.largest_fall_share), { timeout: 60_000 });
  await expect(page.getByTestId('capacity-amount')).toHaveText(
    `The largest fall now: ${price(capacity.largest_fall)} of ${price(capacity.wealth)}`,
  );
  const need = api.need!;
  if (need.equity_share != null) {
    await expect(page.getByTestId('need-share')).toHaveText(`At least ${pct(need.equity_share)} in equity`);
    await expect(page.getByTestId('need-return')).toHaveText(pct(need.required_return!, 2));
  } else {
    await expect(page.getByTestId('need-share')).toHaveText('No equity share reaches 50%');
  }
  const profile = api.profile!;
  await expect(page.getByTestId('recommended-share')).toHaveText(pct(profile.recommended_equity_share));
  const binding = { tolerance: 'Your tolerance sets it', capacity: "Your plan's capacity sets it", need: "Your plan's need sets it" };
  await expect(page.getByTestId('binding')).toHaveText(binding[profile.binding as keyof typeof binding]);
  await expect(page.getByTestId('plan-must-change')).toHaveCount(profile.plan_must_change ? 1 : 0);

  // The stored answers come back checked.
  await page.reload();
  await expect(page.getByRole('group', { name: /^1\. In general/ }).getByRole('radio', { name: /Willing to take risks/ })).toBeChecked();
  await expect(last.getByRole('radio', { name: "One month's salary" })).toBeChecked();
  await expectAccessible(page);
  await screenshot(page, 'risk');
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('the risk profile page fits the screen', async ({ page }) => {
    await register(page, uniqueEmail('risk-phone'));
    await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
    await page.goto('/app/risk');
    await expect(page.getByRole('group')).toHaveCount(13);
    // Without a stored plan, capacity and need say why.
    await expect(page.getByTestId('capacity-unavailable')).toContainText('No plan is stored yet');
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > 391 && !e.parentElement?.closest('.table-wrap, .ticker'))
        .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)
        .slice(0, 5),
    );
    expect(wide).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page);
    await screenshot(page, 'risk-phone');
  });
});
