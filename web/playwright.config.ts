import { defineConfig, devices } from '@playwright/test';
import { E2E_PORT } from './e2e/env';

/**
 * Browser tests on Debian's Chromium (the npm registry cannot download browsers here).
 * By default the tests start the real server binary (E2E_SERVER_BIN, or the debug build
 * in CARGO_TARGET_DIR) on a fresh SQLite directory; it serves the committed web/dist itself.
 * E2E_BASE_URL points them at a dashboard already running instead (say, `vite preview`
 * proxying to a server), with E2E_ADMIN_EMAIL / E2E_ADMIN_PASSWORD for its administrator.
 */
const external = process.env.E2E_BASE_URL;

export default defineConfig({
  testDir: 'e2e',
  // The latency benchmark runs only when asked for (`npm run bench`).
  testIgnore: process.env.E2E_PERF ? [] : ['**/perf.spec.ts'],
  timeout: 90_000,
  expect: { timeout: 15_000 },
  // One server for all tests, whose users they make themselves; the machine has two cores.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  outputDir: 'test-results/artifacts',
  ...(external ? {} : { globalSetup: './e2e/server.ts' }),
  use: {
    baseURL: external ?? `http://127.0.0.1:${E2E_PORT}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: ['--no-sandbox'],
        },
      },
    },
  ],
});
