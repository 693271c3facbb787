import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD, E2E_PORT } from './env';

/**
 * Starts the real server on a fresh SQLite directory, with an administrator made by the CLI
 * (administrators are never made through the API), and stops it after the run.
 */
export default async function startServer(): Promise<() => Promise<void>> {
  const bin = resolve(
    process.env.E2E_SERVER_BIN ?? join(process.env.CARGO_TARGET_DIR ?? '../target', 'debug', 'glidepath'),
  );
  if (!existsSync(bin)) throw new Error(`no server binary at ${bin}: build it or set E2E_SERVER_BIN`);
  const dir = mkdtempSync(join(tmpdir(), 'glidepath-e2e-'));
  // The server refuses unknown GLIDEPATH_* variables: it gets only the settings made here.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GLIDEPATH_')));
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    GLIDEPATH_DATA_DIR: join(dir, 'data'),
    GLIDEPATH_PORT: String(E2E_PORT),
    GLIDEPATH_LOG: 'warn',
    // Every test registers its own users from this one address.
    GLIDEPATH_RATE_LIMIT__REGISTER_PER_IP: '1000',
    GLIDEPATH_RATE_LIMIT__LOGIN_PER_IP: '1000',
    // Five ticks a second per symbol: 300 updates for the frame budget in a minute.
    GLIDEPATH_MARKET__TICK_INTERVAL_MS: '200',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  try {
    execFileSync(bin, ['admin', 'create', '--email', ADMIN_EMAIL], { cwd: dir, env, input: `${ADMIN_PASSWORD}\n`, stdio: ['pipe', 'ignore', 'inherit'] });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const server = spawn(bin, [], { cwd: dir, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<void>((r) => server.once('exit', () => r()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${E2E_PORT}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}`);
    if (Date.now() > deadline) throw new Error('the server did not answer /health within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return async () => {
    server.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
}
