import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { expectAccessible, PASSWORD, register, screenshot, uniqueEmail } from './helpers';

/** Points the page asks the frontier for (FRONTIER_POINTS in src/pages/PortfolioPage.tsx). */
const POINTS = 40;

/** Adds holdings through the API (JSON-mode sign-in of the same account); its access token. */
async function addHoldings(request: APIRequestContext, email: string, holdings: [string, number, string][]): Promise<string> {
  const login = await request.post('/auth/login', { data: { email, password: PASSWORD } });
  expect(login.ok()).toBe(true);
  const { access_token } = (await login.json()) as { access_token: string };
  for (const [symbol, quantity, asset_class] of holdings) {
    const r = await request.post('/portfolio/holdings', {
      headers: { authorization: `Bearer ${access_token}` },
      data: { account: 'brokerage', symbol, quantity, asset_class },
    });
    expect(r.status()).toBe(201);
  }
  return access_token;
}

/**
 * A new account holding four of the feed's symbols (bundled S&P 500 history), on its portfolio
 * page: two in US equity, two counted as bonds, far from the plan's class weights.
 */
async function portfolioUser(page: Page, request: APIRequestContext, prefix: string): Promise<string> {
  const email = uniqueEmail(prefix);
  await register(page, email);
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  const token = await addHoldings(request, email, [['AAPL', 50, 'us_equity'], ['XOM', 100, 'us_equity'], ['KO', 200, 'bonds'], ['JNJ', 60, 'bonds']]);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Portfolio' }).click();
  await expect(page).toHaveURL(/\/app\/portfolio$/);
  await expect(page.getByRole('heading', { name: 'Portfolio', level: 1 })).toBeVisible();
  return token;
}

const percent = (text: string | null) => Number((text ?? '').replace('%', ''));

test('the portfolio page charts the frontier with both markers, suggests an allocation, lists trades and shows performance', async ({ page, request }) => {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await portfolioUser(page, request, 'portfolio');

  // The frontier: N portfolios on the canvas, the current portfolio and the optimum marked.
  const chart = page.getByTestId('frontier-chart');
  await expect(chart).toHaveAttribute('data-points', String(POINTS));
  await expect(chart).toHaveAttribute('data-markers', 'current optimum');
  await expect(chart.locator('canvas')).toBeVisible();
  await expect(page.getByTestId('marker-current')).toContainText(/Current portfolio: \d+\.\d% expected return, \d+\.\d% volatility/);
  await expect(page.getByTestId('marker-optimum')).toContainText(/Chosen optimum \(Maximum Sharpe ratio\): \d+\.\d% expected return/);
  await expect(page.getByTestId('estimate')).toContainText('AAPL, JNJ, KO, XOM');
  await page.getByText('Frontier as a table').click();
  await expect(page.getByTestId('frontier-table').locator('tbody tr')).toHaveCount(POINTS);
  await expect(page.getByTestId('frontier-table')).toContainText('(max Sharpe)');

  // Max Sharpe (the default objective): the suggested weights sum to 100%.
  const allocation = page.getByTestId('allocation');
  await expect(allocation.locator('tbody tr')).toHaveCount(4);
  await expect(page.getByTestId('allocation-total').locator('td').nth(1)).toHaveText('100.0%');
  const suggested = await allocation.locator('tbody tr td:nth-child(3)').allTextContents();
  expect(suggested.reduce((a, t) => a + percent(t), 0)).toBeCloseTo(100, 0);

  // The trades to get there (the holdings are far from it: outside the 5-point band).
  const trades = page.getByTestId('trades');
  await expect(trades.locator('tbody tr').first()).toBeVisible();
  await expect(trades).toContainText('Sell');
  await expect(trades).toContainText('Buy');
  await expect(trades).toContainText(/outside the 5-point band/);
  await expect(page.getByTestId('rebalance-summary')).toContainText('inside after the trades');
  await page.getByText('Weights and drift after the trades').click();
  await expect(page.getByTestId('positions').locator('tbody tr')).toHaveCount(4);

  // Minimum variance moves the optimum (and its trades) to the left end of the frontier.
  await page.getByLabel('Objective').selectOption('min_variance');
  await page.getByRole('button', { name: 'Optimise' }).click();
  await expect(page.getByTestId('marker-optimum')).toContainText('Chosen optimum (Minimum variance)');
  await expect(chart).toHaveAttribute('data-markers', 'current optimum');
  await expect(page.getByTestId('allocation-total').locator('td').nth(1)).toHaveText('100.0%');

  // Efficient return at 15% with Ledoit–Wolf: the optimum earns the target.
  await page.getByLabel('Objective').selectOption('efficient_return');
  await page.getByLabel('Target return (%)').fill('15');
  await page.getByLabel('Covariance').selectOption('ledoit_wolf');
  await page.getByRole('button', { name: 'Optimise' }).click();
  await expect(page.getByTestId('estimate')).toContainText('ledoit–wolf shrinkage covariance (shrinkage');
  await expect(page.getByTestId('marker-optimum')).toContainText(/least risk for a target return\): 15\.0% expected return/i);

  // Performance: the back-test's value by day and its measures; beta and alpha with a benchmark.
  await expect(page.getByTestId('performance-chart')).toHaveAttribute('data-points', /^\d{3}$/);
  const measures = page.getByTestId('measures');
  for (const name of ['Time-weighted return (TWR)', 'Money-weighted return (XIRR, annual)', 'Volatility (annual)', 'Sharpe ratio', 'Maximum drawdown'])
    await expect(measures.getByRole('row', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')}`) })).toContainText(/\d/);
  await expect(measures).not.toContainText('Beta');
  await expect(page.getByTestId('performance-notes')).toContainText('recorded');
  await page.getByLabel('Benchmark symbol (optional)').fill('msft');
  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(measures.getByRole('row', { name: /^Beta/ })).toContainText(/\d\.\d\d/);
  await expect(measures.getByRole('row', { name: /^Alpha/ })).toContainText(/%/);
  await expect(measures).toContainText('against MSFT');
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-points', /^\d+$/);

  // The live band status: a third in US equity against a plan's three quarters (its 20% of
  // international equity, held in nothing, shared among the others) is outside the band.
  await expect(page.getByTestId('band-status')).toHaveAttribute('data-outside', 'true');
  await expect(page.getByTestId('band-status')).toHaveText(/^Outside the band: .* 5\.0 points .*; \d+ trades bring it back\.$/);

  await expectAccessible(page);
  await screenshot(page, 'portfolio');
  expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
});

test('a refused optimisation shows the server\'s message beside the control at fault', async ({ page, request }) => {
  await portfolioUser(page, request, 'refused');
  await expect(page.getByTestId('frontier-chart')).toHaveAttribute('data-markers', 'current optimum');

  // Max Sharpe at a 90% risk-free rate: no asset beats it.
  const rf = page.getByLabel('Risk-free rate (%)');
  await rf.fill('90');
  await page.getByRole('button', { name: 'Optimise' }).click();
  await expect(rf).toHaveAttribute('aria-invalid', 'true');
  await expect(rf).toHaveAccessibleDescription(/no portfolio's expected return exceeds the risk-free rate 0\.9/);
  // The frontier still stands, with the current portfolio and no optimum.
  await expect(page.getByTestId('frontier-chart')).toHaveAttribute('data-markers', 'current');
  await expect(page.getByTestId('marker-optimum')).toContainText('none');
  await expect(page.getByText('No suggestion: see the message above.')).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, 'portfolio-refused');

  // A target return above what any portfolio earns.
  await rf.fill('2');
  await page.getByLabel('Objective').selectOption('efficient_return');
  const target = page.getByLabel('Target return (%)');
  await target.fill('500');
  await page.getByRole('button', { name: 'Optimise' }).click();
  await expect(target).toHaveAccessibleDescription(/target return 5 is above the highest achievable return/);
  await expect(rf).not.toHaveAttribute('aria-invalid', 'true');

  // A window the wrong way round: both dates' message, beside its first day.
  await page.getByLabel('Objective').selectOption('max_sharpe');
  await page.getByLabel('Window from').fill('2022-01-01');
  await page.getByLabel('Window to').fill('2021-01-01');
  await page.getByRole('button', { name: 'Optimise' }).click();
  await expect(page.getByLabel('Window from')).toHaveAccessibleDescription('must not be after `to`');
  await expect(page.getByText('No frontier: see the message above.')).toBeVisible();

  // A window after the history ends: the message names the symbol.
  await page.getByLabel('Window from').fill('2024-01-01');
  await page.getByLabel('Window to').fill('');
  await page.getByRole('button', { name: 'Optimise' }).click();
  await expect(page.getByTestId('optimise-error')).toContainText(/no price history for [A-Z]+ between 2024-01-01/);

  // A benchmark with no history.
  await page.getByLabel('Window from').fill('');
  await page.getByRole('button', { name: 'Optimise' }).click();
  await expect(page.getByTestId('frontier-chart')).toHaveAttribute('data-markers', 'current optimum');
  const bench = page.getByLabel('Benchmark symbol (optional)');
  await bench.fill('NOPE');
  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(bench).toHaveAccessibleDescription(/no price history for NOPE/);
});

test('the planning actions: the allocation becomes the plan\'s class weights, the portfolio\'s history its assumptions', async ({ page, request }) => {
  const token = await portfolioUser(page, request, 'plan-actions');
  const storedPlan = async () =>
    (await (await request.get('/planning/plan', { headers: { authorization: `Bearer ${token}` } })).json()) as {
      weights: number[];
      asset_classes: { name: string; mu: number; sigma: number }[];
    };
  await expect(page.getByTestId('allocation-total').locator('td').nth(1)).toHaveText('100.0%');

  // Apply this allocation: the class weights are the suggested weights summed per holding's class.
  const weightOf = async (symbol: string) =>
    percent(await page.getByTestId('allocation').getByRole('row', { name: new RegExp(`^${symbol} `) }).locator('td').nth(1).textContent());
  const usEquity = (await weightOf('AAPL')) + (await weightOf('XOM'));
  const bonds = (await weightOf('KO')) + (await weightOf('JNJ'));
  await page.getByRole('button', { name: 'Apply this allocation' }).click();
  const applied = page.getByTestId('applied');
  await expect(applied).toContainText('Your plan’s class weights are now us_equity');
  const [us, intl, bd] = (await storedPlan()).weights;
  expect(us! * 100).toBeCloseTo(usEquity, 0);
  expect(intl).toBe(0);
  expect(bd! * 100).toBeCloseTo(bonds, 0);
  await expect(applied).toContainText(`us_equity ${(us! * 100).toFixed(1)}%, intl_equity 0.0%, bonds ${(bd! * 100).toFixed(1)}%`);

  // Derive the assumptions: current and derived side by side, measured from the held symbols.
  await page.getByRole('button', { name: 'Derive assumptions' }).click();
  const table = page.getByTestId('assumptions');
  const row = (name: string) => table.getByRole('row', { name: new RegExp(`^${name} `) });
  await expect(row('us_equity')).toContainText('AAPL, XOM');
  await expect(row('bonds')).toContainText('JNJ, KO');
  await expect(row('intl_equity')).toContainText('kept (nothing held)');
  const cells = async (name: string) => (await row(name).locator('td').allTextContents()).slice(1);
  const [usMuNow, usMuDerived, usSigmaNow, usSigmaDerived] = await cells('us_equity');
  expect(usMuNow).toBe('7.0%');
  expect(usSigmaNow).toBe('16.0%');
  expect(usMuDerived).not.toBe(usMuNow);
  const [intlMuNow, intlMuDerived] = await cells('intl_equity');
  expect(intlMuDerived).toBe(intlMuNow);
  await page.getByText('Correlations, current and derived').click();
  await expect(page.getByRole('region', { name: 'Derived correlations' }).locator('tbody tr')).toHaveCount(3);
  await expectAccessible(page);
  await screenshot(page, 'portfolio-assumptions');

  // Accept: the returned plan is stored, with the derived figures and the applied weights.
  await page.getByRole('button', { name: 'Accept' }).click();
  await expect(page.getByTestId('assumptions-message')).toContainText('Saved: your plan now uses the assumptions derived from your portfolio');
  const plan = await storedPlan();
  const stored = plan.asset_classes.find((c) => c.name === 'us_equity')!;
  expect(`${(stored.mu * 100).toFixed(1)}%`).toBe(usMuDerived);
  expect(`${(stored.sigma * 100).toFixed(1)}%`).toBe(usSigmaDerived);
  expect(plan.weights[0]).toBeCloseTo(us!, 12);

  // The live plan follows: the holdings' class targets on the plan page are the applied weights.
  await page.getByRole('link', { name: 'My plan' }).click();
  await expect(page.getByTestId('holdings').getByRole('row', { name: /AAPL/ }).locator('td').nth(6)).toHaveText(`${(us! * 100).toFixed(1)}%`);
});

test('with fewer than two holdings the page says what to add', async ({ page }) => {
  await register(page, uniqueEmail('lonely'));
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  await page.goto('/app/portfolio');
  await expect(page.getByTestId('optimise-error')).toContainText('your holdings have fewer than 2');
  await expect(page.getByText('No frontier: see the message above.')).toBeVisible();
  await expect(page.getByTestId('band-status')).toHaveText(/Nothing priced is held yet/);
  await expectAccessible(page);
  await page.getByRole('link', { name: 'add holdings on your plan' }).click();
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
});

test('the demo client\'s portfolio has a frontier over its holdings', async ({ page }) => {
  await page.goto('/app/signin');
  const demo = page.waitForResponse((r) => r.url().endsWith('/auth/demo'));
  await page.getByRole('button', { name: 'Demo client' }).click();
  const response = await demo;
  test.skip(response.status() === 404, 'the demo is off on this server');
  await expect(page.getByText('This is a demo')).toBeVisible();
  await page.getByRole('link', { name: 'Portfolio' }).click();
  const chart = page.getByTestId('frontier-chart');
  await expect(chart).toHaveAttribute('data-points', String(POINTS));
  await expect(chart).toHaveAttribute('data-markers', 'current optimum');
  await expect(page.getByTestId('allocation-total').locator('td').nth(1)).toHaveText('100.0%');
  await expect(page.getByTestId('performance-chart')).toBeVisible();
  await expect(page.getByTestId('band-status')).toHaveText(/band/);
  await screenshot(page, 'portfolio-demo');
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('the portfolio page fits the screen', async ({ page, request }) => {
    await portfolioUser(page, request, 'portfolio-phone');
    await expect(page.getByTestId('frontier-chart')).toHaveAttribute('data-markers', 'current optimum');
    await expect(page.getByTestId('performance-chart')).toBeVisible();
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > 391 && !e.parentElement?.closest('.table-wrap, .ticker'))
        .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)
        .slice(0, 5),
    );
    expect(wide).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page);
    await screenshot(page, 'portfolio-phone');
  });
});
