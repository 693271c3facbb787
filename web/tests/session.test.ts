import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthSession } from '../src/auth/session';

interface Seen {
  method: string;
  url: string;
  body: unknown;
  authorization: string | undefined;
}

/** A real HTTP server with the auth routes' shapes, counting what it receives. */
async function authServer(handler: (req: Seen, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', body: data ? JSON.parse(data) : undefined, authorization: req.headers.authorization };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { seen, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

let issued = 0;
function tokens(res: ServerResponse, expiresIn = 900) {
  json(res, 200, { access_token: `access-${++issued}`, token_type: 'Bearer', expires_in: expiresIn, refresh_expires_in: 2592000, scope: ['read:profile'] });
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('AuthSession', () => {
  it('signs in in cookie mode and keeps no refresh token', async () => {
    const { seen, base } = await authServer((_req, res) => tokens(res));
    const session = new AuthSession({ baseUrl: base });
    await session.login('ada@example.com', 'correct horse battery');
    expect(seen[0]?.url).toBe('/auth/login');
    expect(seen[0]?.body).toEqual({ email: 'ada@example.com', password: 'correct horse battery', audience: 'web-app', refresh_cookie: true });
    expect(session.signedIn).toBe(true);
    await session.refresh();
    expect(seen[1]).toMatchObject({ url: '/auth/refresh', body: {} });
    await session.logout();
    expect(seen[2]).toMatchObject({ url: '/auth/logout', body: {} });
    expect(session.signedIn).toBe(false);
  });

  it('shares one refresh among concurrent callers (the cookie is single use)', async () => {
    const { seen, base } = await authServer((_req, res) => setTimeout(() => tokens(res), 30));
    const session = new AuthSession({ baseUrl: base });
    const results = await Promise.all([session.refresh(), session.refresh(), session.refresh()]);
    expect(results).toEqual([true, true, true]);
    expect(seen.filter((s) => s.url === '/auth/refresh')).toHaveLength(1);
    await session.refresh();
    expect(seen.filter((s) => s.url === '/auth/refresh')).toHaveLength(2);
    await session.logout();
  });

  it('refreshes once on a 401 and retries the request with the new token', async () => {
    let accepted = '';
    const { seen, base } = await authServer((req, res) => {
      if (req.url.startsWith('/auth/')) return tokens(res);
      if (req.authorization === `Bearer ${accepted}`) return json(res, 200, { ok: true });
      json(res, 401, { code: 'unauthorized', detail: 'expired' });
    });
    const session = new AuthSession({ baseUrl: base });
    await session.login('a@b.c', 'password password');
    accepted = `access-${issued + 1}`; // only the next token will do
    await expect(session.request('GET', '/users/profile')).resolves.toEqual({ ok: true });
    expect(seen.map((s) => s.url)).toEqual(['/auth/login', '/users/profile', '/auth/refresh', '/users/profile']);

    // Still refused after the refresh: one retry only, then the problem surfaces.
    accepted = 'nothing';
    await expect(session.request('GET', '/users/profile')).rejects.toMatchObject({ status: 401 });
    expect(seen.filter((s) => s.url === '/auth/refresh')).toHaveLength(2);
    await session.logout();
  });

  it('renews the token before it expires without being asked', async () => {
    const { seen, base } = await authServer((_req, res) => tokens(res, 2));
    const session = new AuthSession({ baseUrl: base });
    const start = Date.now();
    await session.login('a@b.c', 'password password');
    // A 2 s token is renewed at half its life: ~1 s.
    while (!seen.some((s) => s.url === '/auth/refresh')) {
      if (Date.now() - start > 3000) throw new Error('no refresh');
      await new Promise((r) => setTimeout(r, 10));
    }
    const after = Date.now() - start;
    expect(after).toBeGreaterThanOrEqual(900);
    expect(after).toBeLessThan(1900);
    await session.logout();
  });

  it('refreshes first when asked for a token past its due time', async () => {
    let now = 1_000_000;
    const { seen, base } = await authServer((_req, res) => tokens(res, 900));
    const session = new AuthSession({ baseUrl: base, now: () => now });
    await session.login('a@b.c', 'password password');
    expect(await session.accessToken()).toBe(`access-${issued}`);
    now += 845_000; // past 900 s - 60 s: a sleeping tab whose timer never fired
    const token = await session.accessToken();
    expect(seen.filter((s) => s.url === '/auth/refresh')).toHaveLength(1);
    expect(token).toBe(`access-${issued}`);
    await session.logout();
  });

  it('keeps a signed-in session through a network failure, and tries again', async () => {
    let up = true;
    const { seen, base } = await authServer((_req, res) => (up ? tokens(res) : res.socket?.destroy()));
    const session = new AuthSession({ baseUrl: base });
    await session.login('a@b.c', 'password password');
    up = false;
    expect(await session.refresh()).toBe(false);
    expect(session.signedIn).toBe(true);
    up = true;
    const start = Date.now();
    while (seen.filter((s) => s.url === '/auth/refresh').length < 2) {
      if (Date.now() - start > 7000) throw new Error('no retry');
      await new Promise((r) => setTimeout(r, 50));
    }
    await session.logout();
  }, 10_000);

  it('reports an unreachable server at start-up, not a refused session', async () => {
    const session = new AuthSession({ baseUrl: 'http://127.0.0.1:9' });
    expect(await session.restore()).toBe('unreachable');
    expect(session.signedIn).toBe(false);
  });

  it('restores a session from the cookie, and reports a refused cookie as refused', async () => {
    let valid = true;
    const { seen, base } = await authServer((_req, res) => (valid ? tokens(res) : json(res, 401, { code: 'invalid_token' })));
    const session = new AuthSession({ baseUrl: base });
    expect(await session.restore()).toBe('renewed');
    expect(session.signedIn).toBe(true);
    // Holding a token, there is nothing to restore: no second use of the cookie.
    expect(await session.restore()).toBe('renewed');
    expect(seen.filter((s) => s.url === '/auth/refresh')).toHaveLength(1);
    await session.logout();
    valid = false;
    expect(await session.restore()).toBe('refused');
    expect(session.signedIn).toBe(false);
  });

  it('takes a gateway error for no answer: the session is kept, not ended', async () => {
    let status = 200;
    const { base } = await authServer((_req, res) => (status === 200 ? tokens(res) : json(res, status, { title: 'Bad Gateway' })));
    const fresh = new AuthSession({ baseUrl: base });
    for (const gateway of [502, 503, 504]) {
      status = gateway;
      expect(await fresh.restore(), String(gateway)).toBe('unreachable');
    }
    status = 200;
    const session = new AuthSession({ baseUrl: base });
    await session.login('a@b.c', 'password password');
    status = 503;
    expect(await session.refresh()).toBe(false);
    expect(session.signedIn).toBe(true);
    status = 500; // a verdict of the server's own: the session ends
    expect(await session.refresh()).toBe(false);
    expect(session.signedIn).toBe(false);
  });

  it('signs out when the refresh cookie is refused', async () => {
    const { base } = await authServer((req, res) =>
      req.url === '/auth/refresh' ? json(res, 401, { code: 'invalid_token' }) : tokens(res),
    );
    const session = new AuthSession({ baseUrl: base });
    const changes: boolean[] = [];
    session.onChange((s) => changes.push(s));
    await session.login('a@b.c', 'password password');
    expect(await session.refresh()).toBe(false);
    expect(session.signedIn).toBe(false);
    expect(changes).toEqual([true, false]);
  });
});
