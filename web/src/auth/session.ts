import { ApiProblem } from '../api/problem';
import { isUnreachable } from '../api/unreachable';
import { refreshAt } from './timing';

/** The part of `TokenResponse` the browser uses (cookie mode: no `refresh_token`). */
export interface TokenBody {
  access_token: string;
  expires_in: number;
  scope: string[];
}

export type DemoRole = 'client' | 'advisor';

/**
 * How a refresh ended: a new access token; the server refused the refresh cookie (or there was
 * none), so the user must sign in; or no answer from the server, which says nothing about the
 * session.
 */
export type RefreshOutcome = 'renewed' | 'refused' | 'unreachable';

export interface AuthOptions {
  /** '' in the browser (same origin); a full origin in tests. */
  baseUrl?: string;
  fetch?: typeof fetch;
  now?: () => number;
}

type Listener = (signedIn: boolean) => void;

/**
 * The signed-in session. The access token lives only in this object's memory; the refresh
 * token is an HttpOnly cookie (`Path=/auth`) that JavaScript never sees, so a page reload
 * restores the session through `POST /auth/refresh` and an injected script cannot steal it.
 */
export class AuthSession {
  private token: string | null = null;
  private expiresAtMs = 0;
  private scopes: string[] = [];
  private inflight: Promise<RefreshOutcome> | null = null;
  /** When the token is due for renewal (the refresh margin before it expires). */
  private dueAtMs = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly base: string;
  private readonly doFetch: typeof fetch;
  private readonly now: () => number;

  constructor(options: AuthOptions = {}) {
    this.base = options.baseUrl ?? '';
    this.doFetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? (() => Date.now());
  }

  get signedIn(): boolean {
    return this.token !== null;
  }

  get expiresAt(): number {
    return this.expiresAtMs;
  }

  hasScope(scope: string): boolean {
    return this.scopes.includes(scope);
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async register(email: string, password: string): Promise<void> {
    await this.post('/auth/register', { email, password });
    await this.login(email, password);
  }

  async login(email: string, password: string): Promise<void> {
    this.accept(
      await this.post('/auth/login', { email, password, audience: 'web-app', refresh_cookie: true }),
    );
  }

  async demo(as: DemoRole): Promise<void> {
    this.accept(await this.post('/auth/demo', { as, refresh_cookie: true }));
  }

  /**
   * On start-up: a refresh cookie from an earlier visit signs the user in again. Says whether
   * the server refused it or could not be reached, which the app shows differently (sign-in
   * page, offline state). A session already holding a token has nothing to restore.
   */
  restore(): Promise<RefreshOutcome> {
    if (this.token) return Promise.resolve('renewed');
    return this.renew();
  }

  /** Renews the access token with the refresh cookie; whether it now holds a fresh one. */
  async refresh(): Promise<boolean> {
    return (await this.renew()) === 'renewed';
  }

  /**
   * Concurrent callers share one request: the cookie is single use, and a second request
   * would present a used token and revoke the whole family (re-use detection).
   */
  private renew(): Promise<RefreshOutcome> {
    if (!this.inflight) {
      this.inflight = this.doRefresh().finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  async logout(): Promise<void> {
    try {
      await this.post('/auth/logout', {});
    } catch {
      // Signed out locally whatever the server says: the cookie is cleared or expires.
    }
    this.clear();
  }

  /** A token valid for at least the refresh margin, renewing it first when needed. */
  async accessToken(): Promise<string | null> {
    // Timers in background tabs are throttled: the clock, not the timer, decides.
    if (this.token && this.now() >= this.dueAtMs) {
      await this.refresh();
    }
    return this.token;
  }

  /**
   * An API call with the bearer token. A 401 (the token expired in flight, or the server
   * restarted with a new key) is answered by one refresh and one retry.
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response = await this.send(method, path, body, await this.accessToken());
    if (response.status === 401 && this.token) {
      if (await this.refresh()) {
        response = await this.send(method, path, body, this.token);
      }
    }
    if (!response.ok) throw await ApiProblem.from(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }


  private async doRefresh(): Promise<RefreshOutcome> {
    try {
      this.accept(await oneTabAtATime(() => this.post('/auth/refresh', {})));
      return 'renewed';
    } catch (e) {
      if (!isUnreachable(e)) {
        this.clear();
        return 'refused';
      }
      // No answer is not a verdict on the session: a signed-in one keeps its token and tries
      // again shortly; a restore at start-up reports it, and the app waits for the network.
      if (this.token) this.schedule(this.now() + 5_000);
      return 'unreachable';
    }
  }

  private accept(body: TokenBody): void {
    const wasSignedIn = this.signedIn;
    this.token = body.access_token;
    this.scopes = body.scope;
    this.expiresAtMs = this.now() + body.expires_in * 1000;
    this.schedule(refreshAt(this.now(), this.expiresAtMs));
    if (!wasSignedIn) this.emit(true);
  }

  private schedule(atMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.dueAtMs = atMs;
    this.timer = setTimeout(() => void this.refresh(), Math.max(0, atMs - this.now()));
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const wasSignedIn = this.signedIn;
    this.token = null;
    this.scopes = [];
    this.expiresAtMs = 0;
    if (wasSignedIn) this.emit(false);
  }

  private emit(signedIn: boolean): void {
    for (const l of this.listeners) l(signedIn);
  }

  private async post(path: string, body: unknown): Promise<TokenBody> {
    const response = await this.send('POST', path, body, null);
    if (!response.ok) throw await ApiProblem.from(response);
    if (response.status === 204) return undefined as unknown as TokenBody;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as TokenBody;
  }

  private send(method: string, path: string, body: unknown, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    return this.doFetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // The refresh cookie goes only to this origin, and only to /auth (its Path).
      credentials: 'same-origin',
    });
  }
}

/**
 * Runs `refresh` while holding a lock every tab of this origin shares (Web Locks). Tabs share
 * the refresh cookie, which is single use: two tabs refreshing at once (say, a browser
 * restoring several tabs) would present the same token twice, which the server takes for a
 * stolen token and answers by ending the session everywhere. In turn, the second tab presents
 * the cookie the first one has just received.
 */
function oneTabAtATime<T>(refresh: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  return locks ? (locks.request('glidepath-refresh', refresh) as Promise<T>) : refresh();
}
