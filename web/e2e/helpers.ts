import AxeBuilder from '@axe-core/playwright';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, SCREENSHOTS } from './env';

export const PASSWORD = 'correct horse battery staple';

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@e2e.test`;
}

export async function register(page: Page, email: string): Promise<void> {
  await page.goto('/');
  await expect(page).toHaveURL(/\/app\/signin$/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
}

export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto('/app/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** No serious or critical axe-core violation on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

/** An administrator's access token in JSON mode (what integrators use), for test set-up. */
export async function adminToken(request: APIRequestContext): Promise<string> {
  const r = await request.post('/auth/login', { data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  expect(r.ok()).toBe(true);
  return ((await r.json()) as { access_token: string }).access_token;
}

export async function setRole(request: APIRequestContext, email: string, role: string): Promise<void> {
  const token = await adminToken(request);
  const headers = { authorization: `Bearer ${token}` };
  for (let offset = 0; ; offset += 100) {
    const r = await request.get(`/admin/users?limit=100&offset=${offset}`, { headers });
    const page = (await r.json()) as { items: { id: string; email: string }[]; total: number };
    const user = page.items.find((u) => u.email === email);
    if (user) {
      const put = await request.put(`/admin/users/${user.id}/role`, { headers, data: { role } });
      expect(put.ok()).toBe(true);
      return;
    }
    if (offset + 100 >= page.total) throw new Error(`no account ${email}`);
  }
}

/**
 * The paths of the release the server serves, read from web/dist itself (the server serves
 * that folder): every file but the worker, index.html at `/`, sorted.
 */
export function releaseFiles(dist = 'dist'): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dist, p).split('\\').join('/'));
    }
  };
  walk(dist);
  return out
    .filter((f) => f !== 'sw.js')
    .map((f) => (f === 'index.html' ? '/' : `/${f}`))
    .sort();
}

/**
 * Every cache of the origin with the paths it holds, sorted; the one cache named after a
 * release id of 16 hex digits is listed as `current`, so tests need not know the id.
 */
export async function cachedShell(page: Page): Promise<Record<string, string[]>> {
  const caches = await page.evaluate(async () => {
    const out: [string, string[]][] = [];
    for (const name of await globalThis.caches.keys()) {
      const requests = await (await globalThis.caches.open(name)).keys();
      out.push([name, requests.map((r) => new URL(r.url).pathname + new URL(r.url).search).sort()]);
    }
    return out;
  });
  const current = caches.filter(([name]) => /^glidepath-shell-[0-9a-f]{16}$/.test(name));
  return Object.fromEntries(caches.map(([name, paths]) => [current.length === 1 && current[0]?.[0] === name ? 'current' : name, paths]));
}
