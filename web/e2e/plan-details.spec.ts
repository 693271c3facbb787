import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { expectAccessible, PASSWORD, register, screenshot, uniqueEmail } from './helpers';

/** The stored plan, read through the API as the same account (JSON-mode sign-in). */
async function storedPlan(request: APIRequestContext, email: string): Promise<{ status: number; plan: Record<string, unknown> | null }> {
  const login = await request.post('/auth/login', { data: { email, password: PASSWORD } });
  expect(login.ok()).toBe(true);
  const { access_token } = (await login.json()) as { access_token: string };
  const r = await request.get('/planning/plan', { headers: { authorization: `Bearer ${access_token}` } });
  return { status: r.status(), plan: r.ok() ? ((await r.json()) as Record<string, unknown>) : null };
}

/** A new account on the plan details page (the nav's link from its plan). */
async function detailsUser(page: Page, prefix: string): Promise<string> {
  const email = uniqueEmail(prefix);
  await register(page, email);
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Plan details' }).click();
  await expect(page).toHaveURL(/\/app\/plan\/details$/);
  await expect(page.getByRole('heading', { name: 'Plan details', level: 1 })).toBeVisible();
  return email;
}

/** `YYYY-MM` of the month `months` from this one, as the page counts. */
function monthFromNow(months: number): string {
  const now = new Date();
  const d = new Date(now.getFullYear(), now.getMonth() + months, 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

test('goals, a pension and a guardrail strategy are saved and simulated: goal chances, spending by year, the models side by side', async ({ page, request }) => {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const email = await detailsUser(page, 'details');

  // Nothing set yet: the default plan's chance, no goals, no spending by year.
  await expect(page.getByTestId('details-success')).toHaveText(/^\d+\.\d% ± \d\.\d%$/);
  await expect(page.getByText('No goals yet: add them below.')).toBeVisible();
  await expect(page.getByTestId('spending-chart')).toHaveCount(0);

  await page.getByRole('button', { name: 'Add a goal' }).click();
  const house = page.getByRole('group', { name: /^Goal 1/ });
  await house.getByLabel('Name').fill('house deposit');
  await house.getByLabel('Amount').fill('60000');
  await house.getByLabel('When (years from now)').fill('5');
  await expect(house.getByText(/, in 5 years$/)).toBeVisible();
  await house.getByLabel('Priority').selectOption('need');
  await expect(page.getByRole('group', { name: 'Goal 1: house deposit' })).toBeVisible();

  // A goal in a calendar month: 16 years and 8 months from now.
  await page.getByRole('button', { name: 'Add a goal' }).click();
  const sabbatical = page.getByRole('group', { name: /^Goal 2/ });
  await sabbatical.getByLabel('Name').fill('sabbatical');
  await sabbatical.getByLabel('Amount').fill('40000');
  await sabbatical.getByLabel('When', { exact: true }).selectOption('date');
  await sabbatical.getByLabel('When (month)').fill(monthFromNow(200));
  await expect(sabbatical.getByText(/, in 16 years 8 months$/)).toBeVisible();
  await sabbatical.getByLabel('Priority').selectOption('wish');

  await page.getByRole('button', { name: 'Add income' }).click();
  const pension = page.getByRole('group', { name: /^Income 1/ });
  await pension.getByLabel('Name').fill('state pension');
  await pension.getByLabel('Amount a month').fill('1200');
  await pension.getByLabel('Starts (years from now)').fill('35');
  await expect(pension.getByLabel('Ends', { exact: true })).toHaveValue('end');

  await page.getByLabel('Strategy', { exact: true }).selectOption('guyton_klinger');
  await expect(page.getByLabel('Guardrail (0.2 = 20%)')).toHaveValue('0.2');
  await page.getByLabel('Spending floor a month').fill('4500');

  await page.getByRole('button', { name: 'Save plan details' }).click();
  await expect(page.getByTestId('save-notice')).toHaveText('Saved. The results above are for the saved plan.');

  // Stored with the plan's other fields as they were (the default plan's).
  const { plan } = await storedPlan(request, email);
  expect(plan).toMatchObject({
    initial_wealth: 250000,
    retirement_month: 360,
    horizon_months: 720,
    extensions: {
      goals: [
        { name: 'house deposit', amount: 60000, month: 60, priority: 'need' },
        { name: 'sabbatical', amount: 40000, month: 200, priority: 'wish' },
      ],
      income: [{ name: 'state pension', monthly_amount: 1200, start_month: 420, cola: 'inflation' }],
      withdrawal: { strategy: 'guyton_klinger', guardrail: 0.2, adjustment: 0.1, protected_final_years: 15 },
      spending_floor: 4500,
    },
  });

  // Each goal's chance with its priority.
  const chances = page.getByTestId('goal-chances');
  await expect(chances.locator('tbody tr')).toHaveCount(2);
  await expect(chances.getByRole('row', { name: /house deposit/ })).toContainText(/in 5 years\s*Need\s*\d+\.\d% ± \d\.\d%/);
  await expect(chances.getByRole('row', { name: /sabbatical/ })).toContainText(/in 16 years 8 months\s*Wish\s*\d+\.\d% ± \d\.\d%/);

  // Spending by year over the 30 years of retirement, with the floor.
  const chart = page.getByTestId('spending-chart');
  await expect(chart).toHaveAttribute('data-years', '30');
  await expect(chart.locator('canvas')).toBeVisible();
  await expect(page.getByText('Floor: 4,500 a month (54,000 a year)')).toBeVisible();
  await expect(page.getByTestId('lean-years')).toHaveText(/^\d+\.\d% of retirement years are spent below the floor; \d+\.\d% of paths/);
  await page.getByText('Spending by year as a table').click();
  await expect(page.getByTestId('spending-table').locator('tbody tr')).toHaveCount(30);
  await expect(page.getByTestId('spending-table').locator('tbody tr').first().locator('th')).toHaveText('31');

  // Every model side by side; the bootstrap has no history to draw from (no holdings).
  const success = await page.getByTestId('details-success').textContent();
  await page.getByRole('button', { name: 'Compare models' }).click();
  const table = page.getByTestId('model-comparison');
  await expect(table.locator('tbody tr')).toHaveCount(5, { timeout: 60_000 });
  const row = (model: string) => table.locator(`tr[data-model="${model}"]`);
  await expect(row('bootstrap')).toContainText('Not available:');
  await expect(row('bootstrap')).toContainText('holdings');
  // Same paths and seed as the results: the lognormal row is the plan's own run.
  await expect(row('lognormal').locator('td').first()).toHaveText(success ?? '');
  for (const model of ['lognormal', 'student_t', 'regime_switching', 'stochastic_inflation']) {
    await expect(row(model).locator('td').nth(0)).toHaveText(/^\d+\.\d% ± \d\.\d%$/);
    await expect(row(model).locator('td').nth(2)).toContainText(/house deposit \d+\.\d%, sabbatical \d+\.\d%/);
    await expect(row(model).locator('td').nth(3)).toHaveText(/^\d+\.\d%$/);
  }

  // The solve answers are here too, said to leave the details out.
  await expect(page.getByTestId('solve-note')).toContainText('with everything set on this page');
  await expect(page.getByRole('region', { name: 'What could I change?' })).toBeVisible();

  await expectAccessible(page);
  await screenshot(page, 'plan-details');
  expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);

  // The plan page's live numbers include the details: each goal's chance, simulated afresh at
  // every update since the wish (like the guardrails) depends on wealth; its solve answers,
  // live, run them too; its editor keeps them.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My plan' }).click();
  await expect(page.getByTestId('extensions-note')).toContainText('include them');
  const liveGoals = page.getByTestId('live-goals');
  await expect(liveGoals.locator('tbody tr')).toHaveCount(2);
  await expect(liveGoals.getByRole('row', { name: /house deposit/ })).toContainText(/in 5 years\s*\d+\.\d% ± \d\.\d%/);
  await expect(page.getByTestId('extensions-live-note')).toContainText('Simulated afresh at every update');
  await expect(page.getByTestId('extensions-live-note')).toContainText('wants and wishes are paid only when wealth allows');
  await expect(page.getByTestId('solve-headline')).toContainText('You could spend up to', { timeout: 60_000 });
  await expect(page.getByTestId('solve-answers')).toHaveAttribute('data-live', 'true');
  await page.getByText('Edit the plan').click();
  await page.getByRole('spinbutton', { name: 'Monthly contribution' }).fill('1600');
  const put = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith('/planning/plan'));
  await page.getByRole('button', { name: 'Save plan' }).click();
  expect((await put).status()).toBe(200);
  const after = (await storedPlan(request, email)).plan as { monthly_contribution: number; extensions: { goals: unknown[] } };
  expect(after.monthly_contribution).toBe(1600);
  expect(after.extensions.goals).toHaveLength(2);
});

test('a refused save shows the message beside the control at fault, and nothing is stored', async ({ page, request }) => {
  const email = await detailsUser(page, 'details-refused');
  await page.getByRole('button', { name: 'Add a goal' }).click();
  const goal = page.getByRole('group', { name: /^Goal 1/ });
  await goal.getByLabel('Name').fill('boat');
  const when = goal.getByLabel('When (years from now)');

  // Not a number: said at once, without asking the server.
  let puts = 0;
  page.on('request', (r) => r.method() === 'PUT' && r.url().endsWith('/planning/plan') && puts++);
  await page.getByRole('button', { name: 'Save plan details' }).click();
  await expect(goal.getByLabel('Amount')).toHaveAttribute('aria-invalid', 'true');
  await expect(goal.getByText('enter a number')).toBeVisible();
  expect(puts).toBe(0);

  // After the plan's 60 years: the server's 422 names extensions.goals[0].month.
  await goal.getByLabel('Amount').fill('50000');
  await when.fill('70');
  const refused = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith('/planning/plan'));
  await page.getByRole('button', { name: 'Save plan details' }).click();
  const response = await refused;
  expect(response.status()).toBe(422);
  expect(((await response.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['extensions.goals[0].month']);
  await expect(when).toHaveAttribute('aria-invalid', 'true');
  const message = goal.getByText('must be before the horizon (horizon_months)');
  await expect(message).toBeVisible();
  await expect(when).toHaveAttribute('aria-describedby', new RegExp(`${(await message.getAttribute('id')) ?? 'none'}$`));
  await expect(goal.getByLabel('Amount')).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('save-error')).toHaveText('Not saved: see the messages beside the fields above.');

  // A strategy's parameter: a ceiling under the floor.
  await when.fill('10');
  await page.getByLabel('Strategy', { exact: true }).selectOption('floor_ceiling');
  await page.getByLabel('Floor (× the plan’s spending)').fill('1.2');
  await page.getByLabel('Ceiling (× the plan’s spending)').fill('1.1');
  await page.getByRole('button', { name: 'Save plan details' }).click();
  await expect(page.getByLabel('Ceiling (× the plan’s spending)')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('must be at least the floor and at most 100')).toBeVisible();
  await expect(when).not.toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page);
  await screenshot(page, 'plan-details-refused');
  expect((await storedPlan(request, email)).status).toBe(404);

  // A bootstrap from the holdings' history may be stored, but this account holds nothing
  // priced: the run's refusal is said with the results and beside the return model.
  await page.getByLabel('Strategy', { exact: true }).selectOption('constant_real');
  await page.getByLabel('Return model').selectOption('bootstrap');
  await expect(page.getByTestId('bootstrap-source')).toContainText('Drawn from your holdings’ price history');
  await page.getByRole('button', { name: 'Save plan details' }).click();
  await expect(page.getByTestId('save-notice')).toBeVisible();
  await expect(page.getByTestId('run-error')).toContainText('none of your holdings has price history');
  await expect(page.getByLabel('Return model')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('region', { name: 'Return and inflation models' }).getByRole('alert')).toContainText('none of your holdings has price history');
  expect((await storedPlan(request, email)).plan).toMatchObject({ extensions: { return_model: { model: 'bootstrap', block_months: 12 } } });
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('the plan details page fits the screen', async ({ page }) => {
    await detailsUser(page, 'details-phone');
    await page.getByRole('button', { name: 'Add a goal' }).click();
    const goal = page.getByRole('group', { name: /^Goal 1/ });
    await goal.getByLabel('Name').fill('a long-awaited trip around the world with the whole family');
    await goal.getByLabel('Amount').fill('30000');
    await page.getByRole('button', { name: 'Add income' }).click();
    const income = page.getByRole('group', { name: /^Income 1/ });
    await income.getByLabel('Name').fill('pension');
    await income.getByLabel('Amount a month').fill('900');
    await page.getByRole('button', { name: 'Save plan details' }).click();
    await expect(page.getByTestId('save-notice')).toBeVisible();
    await expect(page.getByTestId('spending-chart')).toBeVisible();
    await page.getByRole('button', { name: 'Compare models' }).click();
    await expect(page.getByTestId('model-comparison').locator('tbody tr')).toHaveCount(5, { timeout: 60_000 });
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > 391 && !e.parentElement?.closest('.table-wrap, .ticker'))
        .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)
        .slice(0, 5),
    );
    expect(wide).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page);
    await screenshot(page, 'plan-details-phone');
  });
});
