import { expect, test } from '@playwright/test';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './env';
import { cachedShell, expectAccessible, PASSWORD, register, releaseFiles, screenshot, setRole, signIn, uniqueEmail } from './helpers';

test('the sign-in page has labelled fields, the two buttons and the demo', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/app\/signin$/);
  await expect(page.getByLabel('Email')).toBeVisible();
  await expect(page.getByLabel('Password')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create account' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Try the demo' })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, 'signin');
});

test('register, add a holding, watch it move, drag a slider, commit, reload', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await register(page, uniqueEmail('plan'));
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  await expect(page.getByTestId('success')).toHaveText(/^\d+\.\d% ± \d+\.\d%$/);
  await expect(page.getByTestId('connection')).toHaveText('Live');

  // A holding in the feed's symbols: its price starts ticking into the plan.
  await page.getByLabel('Symbol').fill('AAPL');
  await page.getByLabel('Quantity').fill('2000');
  await page.getByRole('button', { name: 'Add holding' }).click();
  const row = page.getByTestId('holdings').getByRole('row', { name: /AAPL/ });
  await expect(row).toBeVisible();
  await expect(page.locator('.summary')).toContainText('your holdings at market prices');

  // Live updates arrive: the state's timestamp moves and the ticker shows AAPL.
  const computedAt = async () => Number(await page.locator('.summary').getAttribute('data-computed-at'));
  const first = await computedAt();
  await expect.poll(computedAt, { timeout: 20_000 }).toBeGreaterThan(first);
  await expect(page.getByRole('region', { name: 'Prices that moved' })).toContainText('AAPL');
  await expect(row).not.toContainText('—');

  // Drag the contribution slider with the mouse: answered over the WebSocket.
  const slider = page.getByRole('slider', { name: 'Monthly contribution' });
  await slider.scrollIntoViewIfNeeded();
  const box = (await slider.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.15, box.y + box.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width * (0.15 + i * 0.05), box.y + box.height / 2);
  await page.mouse.up();
  const answer = page.getByTestId('whatif-answer');
  await expect(answer.getByRole('table')).toBeVisible();
  await expect(page.getByTestId('whatif-variant')).toHaveText(/\d+\.\d%/);
  const chosen = Number(await slider.inputValue());
  expect(chosen).toBeGreaterThan(1500);

  await expectAccessible(page);
  await screenshot(page, 'plan');

  await page.getByRole('button', { name: 'Commit' }).click();
  await expect(page.getByText('Saved as your plan.')).toBeVisible();

  // The session survives a reload (the refresh cookie), and the plan is the committed one.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  await expect(page.getByRole('slider', { name: 'Monthly contribution' })).toHaveValue(String(chosen));
  await page.getByText('Edit the plan').click();
  await expect(page.getByLabel('Monthly contribution', { exact: true }).and(page.locator('input[type=number]'))).toHaveValue(String(chosen));
  await expect(page.getByTestId('success')).toHaveText(/%/);
  expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
});

test('holdings, goals and alert rules can be added, edited and deleted', async ({ page }) => {
  await register(page, uniqueEmail('crud'));
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  await page.getByLabel('Symbol').fill('MSFT');
  await page.getByLabel('Quantity').fill('10');
  await page.getByRole('button', { name: 'Add holding' }).click();
  await page.getByRole('button', { name: 'Edit MSFT' }).click();
  await page.getByRole('spinbutton', { name: 'Quantity' }).first().fill('25');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('holdings').getByRole('row', { name: /MSFT/ })).toContainText('25');
  await page.getByRole('button', { name: 'Delete MSFT' }).click();
  await expect(page.getByTestId('holdings')).not.toContainText('MSFT');

  await page.getByLabel('Goal name').fill('House');
  await page.getByLabel('Target amount').fill('400000');
  await page.getByLabel('Target date').fill('2040-06-30');
  await page.getByRole('button', { name: 'Add goal' }).click();
  await expect(page.getByText(/House: 400,000 by 2040-06-30/)).toBeVisible();
  await page.getByRole('button', { name: 'Edit House' }).click();
  await page.getByLabel('Target amount').fill('450000');
  await page.getByRole('button', { name: 'Save goal' }).click();
  await expect(page.getByText(/House: 450,000/)).toBeVisible();
  await page.getByRole('button', { name: 'Delete House' }).click();
  await expect(page.getByText(/House:/)).toHaveCount(0);

  await page.getByLabel('Alert when').selectOption('success_below');
  await page.getByLabel('Level (%)').fill('99');
  await page.getByRole('button', { name: 'Add rule' }).click();
  await expect(page.getByText('Success probability below 99.0%').first()).toBeVisible();
  // The plan is below 99%: the rule fires and the alert arrives live.
  await expect(page.getByTestId('fired-alerts')).not.toContainText('Nothing has fired', { timeout: 20_000 });
  await page.getByRole('button', { name: /Delete rule/ }).click();
  await expect(page.getByText('No rules yet.')).toBeVisible();
});

test('a non-admin sees no administration and cannot reach it', async ({ page }) => {
  await register(page, uniqueEmail('plain'));
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);
  await page.goto('/app/admin');
  await expect(page.getByText('Administration is for administrators.')).toBeVisible();
  await expect(page.getByTestId('users')).toHaveCount(0);

  // Signing out clears the refresh cookie: a reload stays signed out.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/app\/signin$/);
  await page.reload();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'My plan' })).toHaveCount(0);
});

test('the service worker keeps exactly the release\'s shell, never API data', async ({ page }) => {
  await register(page, uniqueEmail('pwa'));
  await expect(page.getByTestId('success')).toHaveText(/%/);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await page.reload(); // now controlled by the worker, which answers what the page loads
  await expect(page.getByTestId('success')).toHaveText(/%/);
  await expect(page.getByTestId('connection')).toHaveText('Live');
  // After the plan's API calls and the WebSocket: the caches hold the release and nothing else.
  await expect.poll(() => cachedShell(page)).toEqual({ current: releaseFiles() });
  const manifest = await page.request.get('/manifest.webmanifest');
  expect(((await manifest.json()) as { name: string }).name).toBe('Glidepath');
});

test('activating the worker deletes older releases\' files and keeps the current release', async ({ page }) => {
  await page.goto('/app/signin');
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await expect.poll(() => cachedShell(page)).toEqual({ current: releaseFiles() });
  const current = await page.evaluate(async () => (await caches.keys())[0] ?? '');
  // What a long-lived installation had before this release: another release's cache, the
  // single cache of the first worker, and an older page's chunk in the current cache.
  await page.evaluate(async (name) => {
    await (await caches.open('glidepath-shell-0ldre1ease000000')).put('/assets/index-0ld.js', new Response('x'));
    await (await caches.open('glidepath-shell-v1')).put('/', new Response('<html>'));
    await (await caches.open(name)).put('/assets/old-deadbeef.js', new Response('x'));
  }, current);
  expect(Object.keys(await cachedShell(page)).sort()).toEqual(['current', 'glidepath-shell-0ldre1ease000000', 'glidepath-shell-v1']);

  // The worker of this release installs and activates again (as it does after an update):
  // unregistered, the page registers it anew on the next load.
  await page.evaluate(async () => {
    for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
  });
  await page.reload();
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await expect.poll(() => cachedShell(page)).toEqual({ current: releaseFiles() });
  expect(await page.evaluate(() => caches.keys())).toEqual([current]);
});

test('an offline start shows the offline state, and the plan comes back with the network', async ({ page, context }) => {
  await page.goto('/app/signin');
  const demo = page.waitForResponse((r) => r.url().endsWith('/auth/demo'));
  await page.getByRole('button', { name: 'Demo client' }).click();
  const response = await demo;
  test.skip(response.status() === 404, 'the demo is off on this server');
  await expect(page.getByTestId('success')).toHaveText(/%/);
  await expect(page).toHaveURL(/\/app\/plan$/);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await expect.poll(() => cachedShell(page)).toEqual({ current: releaseFiles() });

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: /offline/ })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('reconnect when the network is back');
  await expect(page.getByLabel('Email')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Sign in' })).toHaveCount(0);
  await expect(page).toHaveURL(/\/app\/plan$/);

  // Retry is the first stop of the keyboard; still offline, it says so.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Retry' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('offline-status')).toContainText('Still offline');
  await expect(page.getByRole('heading', { name: /offline/ })).toBeVisible();
  await expectAccessible(page);
  await screenshot(page, 'offline');

  // Back online: the refresh cookie restores the session without a click.
  await context.setOffline(false);
  await expect(page.getByTestId('success')).toHaveText(/%/);
  await expect(page.getByText('This is a demo')).toBeVisible();
  await expect(page).toHaveURL(/\/app\/plan$/);
  await expect(page.getByTestId('connection')).toHaveText('Live');
});

test('a server that does not answer while the browser is online is asked again on its own', async ({ page }) => {
  await register(page, uniqueEmail('unreachable'));
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  // The network is up, but the refresh never reaches the server (as with a server down).
  await page.route('**/auth/refresh', (route) => route.abort('connectionrefused'));
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Glidepath cannot be reached' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('keep trying');
  await expect(page.getByLabel('Email')).toHaveCount(0);
  await expectAccessible(page);
  await screenshot(page, 'unreachable');
  // No `online` event will come: the backoff's next try finds the server.
  await page.unroute('**/auth/refresh');
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible({ timeout: 20_000 });
});

test('an admin finds a user and changes their role', async ({ page, browser }) => {
  const email = uniqueEmail('promote');
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await register(other, email);
  await expect(other.getByRole('heading', { name: 'My plan' })).toBeVisible();
  await otherContext.close();

  await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'Admin' }).click();
  await expect(page.getByRole('heading', { name: 'Administration' })).toBeVisible();
  await page.getByLabel('Search by email').fill(email);
  const role = page.getByLabel(`Role of ${email}`);
  await expect(role).toHaveValue('user');
  await role.selectOption('advisor');
  await expect(role).toHaveValue('advisor');
  await page.getByRole('button', { name: `Deactivate ${email}` }).click();
  await expect(page.getByRole('button', { name: `Activate ${email}` })).toBeVisible();
  await page.getByRole('button', { name: `Activate ${email}` }).click();
  await expect(page.getByRole('button', { name: `Deactivate ${email}` })).toBeVisible();
  await page.getByLabel('Search by email').fill('');
  await expect(page.getByTestId('health')).toContainText('database');
  await expectAccessible(page);
  await screenshot(page, 'admin');
});

test('an advisor watches a client live after a grant and loses the plan on revoke', async ({ page, browser, request }) => {
  const advisorEmail = uniqueEmail('advisor');
  const advisorContext = await browser.newContext();
  const advisor = await advisorContext.newPage();
  await register(advisor, advisorEmail);
  await expect(advisor.getByRole('heading', { name: 'My plan' })).toBeVisible();
  await setRole(request, advisorEmail, 'advisor');

  const clientEmail = uniqueEmail('client');
  await register(page, clientEmail);
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  await page.getByLabel('Symbol').fill('XOM');
  await page.getByLabel('Quantity').fill('500');
  await page.getByRole('button', { name: 'Add holding' }).click();
  await page.getByLabel('Advisor email').fill(advisorEmail);
  await page.getByRole('button', { name: 'Grant access' }).click();
  await expect(page.getByRole('button', { name: `Revoke ${advisorEmail}` })).toBeVisible();

  // The role applies from the advisor's next request: sign in again to see the book.
  await signIn(advisor, advisorEmail, PASSWORD);
  await expect(advisor.getByRole('heading', { name: 'Advisor book' })).toBeVisible();
  const bookRow = advisor.getByTestId('book').getByRole('row', { name: new RegExp(clientEmail) });
  await expect(bookRow).toContainText(/\d+\.\d%/);
  await expectAccessible(advisor);
  await screenshot(advisor, 'advisor-book');

  await bookRow.getByRole('link').click();
  await expect(advisor.getByRole('heading', { name: 'Client plan' })).toBeVisible();
  await expect(advisor.getByTestId('success')).toHaveText(/\d+\.\d%/);
  await expect(advisor.getByRole('button', { name: 'Commit' })).toHaveCount(0);
  const slider = advisor.getByRole('slider', { name: 'Monthly contribution' });
  await slider.focus();
  for (let i = 0; i < 10; i++) await advisor.keyboard.press('ArrowRight');
  await expect(advisor.getByTestId('whatif-variant')).toHaveText(/\d+\.\d%/);
  // Every input the client's stream reports is a slider for the advisor too.
  await expect(advisor.getByRole('slider', { name: /^Retirement/ })).toBeVisible();
  const spending = advisor.getByRole('slider', { name: 'Monthly spending' });
  const before = Number(await spending.inputValue());
  expect(before).toBeGreaterThan(0);
  await spending.focus();
  for (let i = 0; i < 5; i++) await advisor.keyboard.press('ArrowLeft');
  expect(Number(await spending.inputValue())).toBeLessThan(before);
  await expect(advisor.getByTestId('whatif-variant')).toHaveText(/\d+\.\d%/);
  await expectAccessible(advisor);
  await screenshot(advisor, 'advisor-client');

  await page.getByRole('button', { name: `Revoke ${advisorEmail}` }).click();
  await expect(advisor.getByText(/The stream ended/)).toBeVisible({ timeout: 5_000 });
  await expect(advisor.getByTestId('success')).toHaveCount(0);
  // Coming back later: refused, like a client that does not exist.
  await advisor.reload();
  await expect(advisor.getByText(/This plan cannot be shown/)).toBeVisible();
  await advisorContext.close();
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('sign-in fits the screen', async ({ page }) => {
    await page.goto('/app/signin');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeInViewport();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page);
    await screenshot(page, 'signin-phone');
  });

  test('the plan fits the screen', async ({ page }) => {
    await register(page, uniqueEmail('phone'));
    await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
    await expect(page.getByTestId('success')).toHaveText(/%/);
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > 391 && !e.parentElement?.closest('.table-wrap, .ticker'))
        .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)
        .slice(0, 5),
    );
    expect(wide).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page);
    await screenshot(page, 'plan-phone');
  });
});

test('the demo opens a plan marked as a demo', async ({ page }) => {
  await page.goto('/app/signin');
  const demo = page.waitForResponse((r) => r.url().endsWith('/auth/demo'));
  await page.getByRole('button', { name: 'Demo client' }).click();
  const response = await demo;
  test.skip(response.status() === 404, 'the demo is off on this server');
  await expect(page.getByText('This is a demo')).toBeVisible();
  await expect(page.getByTestId('success')).toHaveText(/%/);
  await expectAccessible(page);
  await screenshot(page, 'demo-client');
});

test('the demo advisor opens a book of live demo clients', async ({ page }) => {
  await page.goto('/app/signin');
  const demo = page.waitForResponse((r) => r.url().endsWith('/auth/demo'));
  await page.getByRole('button', { name: 'Demo advisor' }).click();
  const response = await demo;
  test.skip(response.status() === 404, 'the demo is off on this server');
  await expect(page.getByText('This is a demo')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Advisor book' })).toBeVisible();
  const rows = page.getByTestId('book').locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText(/\d+\.\d%/);
  await screenshot(page, 'demo-advisor');
  // Grouped by segment: three clients are too few to split, so they are one segment, and
  // the table says so for each of them as GET /advisor/segments does.
  await page.getByLabel('Group by segment').check();
  const segments = page.getByTestId('segment');
  await expect(segments).toHaveCount(1);
  await expect(segments.first()).toContainText('The whole book (3 clients)');
  await expect(page.getByTestId('book').getByRole('columnheader', { name: 'Segment' })).toBeVisible();
  for (const row of await rows.all()) await expect(row).toContainText('The whole book');
  await expectAccessible(page);
  await page.getByLabel('Group by segment').uncheck();
  await expect(segments).toHaveCount(0);
});

test('the keyboard alone creates an account and reaches the plan\'s controls', async ({ page }) => {
  await page.goto('/');
  // Tab until `accessible` has the focus; fails if it is not reachable within `limit` presses.
  const tabTo = async (name: string, limit = 100) => {
    for (let i = 0; i < limit; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el) return '';
        const labels = (el as HTMLInputElement).labels;
        return (labels && labels[0]?.textContent?.trim()) || el.getAttribute('aria-label') || el.textContent?.trim() || '';
      });
      if (focused.startsWith(name)) return;
    }
    throw new Error(`${name} is not reachable with the Tab key`);
  };
  await tabTo('Email');
  await page.keyboard.type(uniqueEmail('keys'));
  await tabTo('Password');
  await page.keyboard.type(PASSWORD);
  await tabTo('Create account');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  await tabTo('Monthly contribution');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('whatif-variant')).toBeVisible();
  await tabTo('Commit');
  await tabTo('Add holding');
});

test('tabs that restore the session at the same moment all stay signed in', async ({ page, context }) => {
  await register(page, uniqueEmail('tabs'));
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  const tabs = [page, await context.newPage(), await context.newPage()];
  // Each load restores the session with the one refresh cookie the tabs share, all at once.
  for (let round = 0; round < 3; round++) {
    await Promise.all(tabs.map((tab) => tab.goto('/app/plan')));
    for (const tab of tabs) await expect(tab.getByRole('heading', { name: 'My plan' })).toBeVisible();
  }
});
