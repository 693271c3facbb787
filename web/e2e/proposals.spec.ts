import { expect, test } from '@playwright/test';
import { expectAccessible, PASSWORD, register, screenshot, setRole, signIn, uniqueEmail } from './helpers';

test('an advisor proposes a change from the sliders; the client sees it live and accepts; the advisor sees the answer live', async ({ page, browser, request }) => {
  const advisorEmail = uniqueEmail('advisor');
  const advisorContext = await browser.newContext();
  const advisor = await advisorContext.newPage();
  await register(advisor, advisorEmail);
  await expect(advisor.getByRole('heading', { name: 'My plan' })).toBeVisible();
  await setRole(request, advisorEmail, 'advisor');

  const clientEmail = uniqueEmail('client');
  await register(page, clientEmail);
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  await page.getByLabel('Advisor email').fill(advisorEmail);
  await page.getByRole('button', { name: 'Grant access' }).click();
  await expect(page.getByRole('button', { name: `Revoke ${advisorEmail}` })).toBeVisible();
  await expect(page.getByTestId('success')).toHaveText(/\d+\.\d%/);
  // No proposal yet: the card is not shown to the client.
  await expect(page.getByTestId('proposals')).toHaveCount(0);

  await signIn(advisor, advisorEmail, PASSWORD);
  const bookRow = advisor.getByTestId('book').getByRole('row', { name: new RegExp(clientEmail) });
  await bookRow.getByRole('link').click();
  await expect(advisor.getByRole('heading', { name: 'Client plan' })).toBeVisible();
  await expect(advisor.getByTestId('proposals')).toContainText('None yet');
  const slider = advisor.getByRole('slider', { name: 'Monthly contribution' });
  const before = Number(await slider.inputValue());
  await slider.focus();
  for (let i = 0; i < 10; i++) await advisor.keyboard.press('ArrowRight');
  const proposed = Number(await slider.inputValue());
  expect(proposed).toBeGreaterThan(before);
  await expect(advisor.getByTestId('whatif-variant')).toHaveText(/\d+\.\d%/);
  const variant = (await advisor.getByTestId('whatif-variant').textContent()) ?? '';
  await advisor.getByLabel('Message to the client').fill('Save a little more each month.');
  await advisor.getByRole('button', { name: 'Propose to client' }).click();
  await expect(advisor.getByText('Proposed to the client.')).toBeVisible();
  const advisorsEntry = advisor.getByTestId('proposal').first();
  await expect(advisorsEntry).toHaveAttribute('data-status', 'pending');
  // The measured effect is the what-if the advisor saw.
  await expect(advisorsEntry).toContainText(`→ ${variant}`);

  // The client sees it without reloading, with the change in words.
  const clientsEntry = page.getByTestId('proposal').first();
  await expect(clientsEntry).toContainText('Save a little more each month.');
  await expect(clientsEntry).toContainText(advisorEmail);
  await expect(clientsEntry).toContainText('Monthly contribution →');
  await expectAccessible(page);
  await screenshot(page, 'proposal-client');
  await clientsEntry.getByRole('button', { name: 'Accept' }).click();
  await expect(clientsEntry).toHaveAttribute('data-status', 'accepted');
  await expect(clientsEntry.getByRole('button', { name: 'Accept' })).toHaveCount(0);
  // The change is the client's plan now: the sliders start from it, and so does the editor.
  await expect(page.getByRole('slider', { name: 'Monthly contribution' })).toHaveValue(String(proposed));
  await expect(page.getByLabel('Monthly contribution', { exact: true }).and(page.locator('input[type=number]'))).toHaveValue(String(proposed));

  // The advisor sees the answer live.
  await expect(advisorsEntry).toHaveAttribute('data-status', 'accepted');
  await expect(advisorsEntry).toContainText('Accepted');
  await expectAccessible(advisor);
  await screenshot(advisor, 'proposal-advisor');
  await advisorContext.close();
});

test("an advisor sends one of the client's recommendations as a proposal", async ({ page, browser, request }) => {
  const advisorEmail = uniqueEmail('advisor-rec');
  const advisorContext = await browser.newContext();
  const advisor = await advisorContext.newPage();
  await register(advisor, advisorEmail);
  await expect(advisor.getByRole('heading', { name: 'My plan' })).toBeVisible();
  await setRole(request, advisorEmail, 'advisor');

  const clientEmail = uniqueEmail('client-rec');
  await register(page, clientEmail);
  await expect(page.getByRole('heading', { name: 'My plan' })).toBeVisible();
  await page.getByLabel('Advisor email').fill(advisorEmail);
  await page.getByRole('button', { name: 'Grant access' }).click();
  await expect(page.getByRole('button', { name: `Revoke ${advisorEmail}` })).toBeVisible();
  const card = page.getByTestId('recommendations');
  const answered = page.waitForResponse((r) => r.url().endsWith('/ml/recommendations') && r.request().method() === 'POST');
  await card.getByRole('button', { name: 'Recommend changes' }).click();
  const body = (await (await answered).json()) as { recommendations: { id: string; kind: string; cost: string }[] };
  const chosen = body.recommendations.find((r) => r.kind !== 'lower_fees');
  expect(chosen).toBeDefined();

  await signIn(advisor, advisorEmail, PASSWORD);
  await advisor.getByTestId('book').getByRole('row', { name: new RegExp(clientEmail) }).getByRole('link').click();
  const theirs = advisor.getByTestId('client-recommendations');
  await expect(theirs.getByTestId('client-recommendation')).toHaveCount(body.recommendations.length);
  await theirs.getByRole('button', { name: `Send as a proposal: ${chosen!.cost}` }).click();
  await expect(theirs).toContainText('Sent to the client as a proposal.');
  await expect(advisor.getByTestId('proposal').first()).toHaveAttribute('data-status', 'pending');
  await expectAccessible(advisor);

  // The client sees it live, with the recommendation's words, and accepts it.
  const entry = page.getByTestId('proposal').first();
  await expect(entry).toContainText(`Recommended: ${chosen!.cost}`);
  await entry.getByRole('button', { name: 'Accept' }).click();
  await expect(entry).toHaveAttribute('data-status', 'accepted');
  await advisorContext.close();
});
