/** Settings shared by the Playwright config, the server it starts and the tests. */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 18181);
export const ADMIN_EMAIL = process.env.E2E_ADMIN_EMAIL ?? 'admin@e2e.test';
export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? 'admin passphrase e2e';
/** Where screenshots of every page go (kept by CI with the other test results). */
export const SCREENSHOTS = 'test-results/screenshots';
