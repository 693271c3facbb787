import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeApi } from '../src/api/api';
import { ApiProblem } from '../src/api/problem';
import { isUnreachable } from '../src/api/unreachable';
import { startUp } from '../src/app/startup';
import { AuthSession } from '../src/auth/session';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A real HTTP server answering each path with what `routes` says (or by hanging up). */
async function server(routes: Record<string, (res: ServerResponse) => void>) {
  const s = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      const route = routes[(req.url ?? '').split('?')[0] ?? ''];
      if (route) route(res);
      else res.socket?.destroy();
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const json = (status: number, body: unknown) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const tokens = json(200, { access_token: 'a1', token_type: 'Bearer', expires_in: 900, scope: ['read:profile'] });
const profile = json(200, { account: { id: 'u1', email: 'ada@example.com', role: 'user' }, profile: {} });
const hangUp = (res: ServerResponse) => res.socket?.destroy();

/** Where the dashboard opens against a server answering so, through the real session and API. */
async function openWith(base: string) {
  const auth = new AuthSession({ baseUrl: base });
  const start = await startUp(() => auth.restore(), makeApi(auth).profile);
  await auth.logout().catch(() => {});
  return start;
}

describe('where the dashboard opens', () => {
  it('opens the plan when the cookie restores the session', async () => {
    const base = await server({ '/auth/refresh': tokens, '/users/profile': profile, '/auth/logout': json(204, null) });
    expect(await openWith(base)).toEqual({ kind: 'signed-in', account: { id: 'u1', email: 'ada@example.com', role: 'user' } });
  });

  it('opens the sign-in page when the server refuses the cookie (401)', async () => {
    const base = await server({ '/auth/refresh': json(401, { code: 'invalid_token', detail: 'no session' }) });
    expect(await openWith(base)).toEqual({ kind: 'signed-out' });
  });

  it('opens the offline state when nothing answers', async () => {
    expect(await openWith('http://127.0.0.1:9')).toEqual({ kind: 'offline' });
    const base = await server({ '/auth/refresh': hangUp });
    expect(await openWith(base)).toEqual({ kind: 'offline' });
  });

  it('opens the offline state when a gateway answers for the server', async () => {
    for (const status of [502, 503, 504]) {
      const base = await server({ '/auth/refresh': json(status, { title: 'gateway' }) });
      expect(await openWith(base), String(status)).toEqual({ kind: 'offline' });
    }
  });

  it('opens the offline state when the network goes between the refresh and the profile', async () => {
    const base = await server({ '/auth/refresh': tokens, '/users/profile': hangUp });
    expect(await openWith(base)).toEqual({ kind: 'offline' });
  });

  it('opens the sign-in page when the profile is refused even after a second refresh', async () => {
    let refreshes = 0;
    const base = await server({
      '/auth/refresh': (res) => (++refreshes === 1 ? tokens(res) : json(401, { code: 'invalid_token' })(res)),
      '/users/profile': json(401, { code: 'unauthorized' }),
    });
    expect(await openWith(base)).toEqual({ kind: 'signed-out' });
  });

  it('never throws, whatever restore does', async () => {
    const profileNever = () => Promise.reject(new Error('not asked'));
    expect(await startUp(() => Promise.reject(new TypeError('Failed to fetch')), profileNever)).toEqual({ kind: 'offline' });
    expect(await startUp(() => Promise.reject(new ApiProblem(401, 'unauthorized', 'no')), profileNever)).toEqual({ kind: 'signed-out' });
  });
});

describe('no answer versus a refusal', () => {
  it('takes network failures and gateway errors for no answer, the server’s problems for answers', () => {
    expect(isUnreachable(new TypeError('Failed to fetch'))).toBe(true);
    expect(isUnreachable(new DOMException('aborted', 'AbortError'))).toBe(true);
    for (const status of [502, 503, 504]) expect(isUnreachable(new ApiProblem(status, `http_${status}`, 'gateway'))).toBe(true);
    for (const status of [400, 401, 403, 404, 429, 500]) expect(isUnreachable(new ApiProblem(status, `http_${status}`, 'no'))).toBe(false);
  });
});
