import { refreshAt } from '../auth/timing';
import { backoffDelay, DEFAULT_BACKOFF, hintedDelay, retryHint, type BackoffPolicy } from './backoff';
import { now as perfNow } from '../perf';
import { isGap } from './seq';
import {
  CLOSE,
  SUBPROTOCOL_JSON,
  type ClientMessage,
  type Explanation,
  type LiveAlert,
  type LiveRecommendations,
  type LiveState,
  type Proposal,
  type ServerMessage,
  type SolveAnswer,
  type SolveFor,
  type TickSummary,
  type WealthSource,
  type WhatIfAnswer,
  type WhatIfChanges,
} from './wire';

/** What the connection indicator shows. */
export type ConnectionStatus =
  | { kind: 'connecting' }
  | { kind: 'live' }
  /** A gap was detected; a fresh snapshot was asked for and the numbers wait for it. */
  | { kind: 'resyncing' }
  | { kind: 'offline'; retryAtMs: number }
  | { kind: 'closed'; reason: string };

export interface StreamFrame {
  state: LiveState;
  seq: number;
  /** The prices that moved (empty on a snapshot). */
  ticks: TickSummary[];
  snapshot: boolean;
  /** Why the success moved since this subscription's snapshot (none on a snapshot, or when nothing moved). */
  explanation: Explanation | null;
  /** When the frame arrived (performance clock). */
  receivedAt: number;
}

export interface StreamListener {
  onFrame?(frame: StreamFrame): void;
  onAlert?(alert: LiveAlert): void;
  /** An advisor's proposal on the stream's plan was made or answered. */
  onProposal?(proposal: Proposal): void;
  /** The live success crossed one of the owner's success_below thresholds (either way). */
  onRecommendations?(recommendations: LiveRecommendations): void;
  onEnded?(reason: string): void;
}

export type WhatIfOutcome = (
  | { ok: true; requestId: number; answer: WhatIfAnswer }
  | { ok: false; requestId: number; message: string; field?: string }
) & {
  /** A newer request was already sent: another answer follows. */
  superseded?: boolean;
  /** When the request went out (performance clock). */
  sentAt?: number;
};

/** The answer to a live `solve`, or why there is none. */
export type SolveOutcome =
  | { ok: true; answer: SolveAnswer; startingWealth: number; wealthSource: WealthSource }
  | {
      ok: false;
      message: string;
      field?: string;
      /** Not the server's refusal: the request never got an answer (not connected, or the connection dropped). */
      lost?: boolean;
    };

interface Subscription {
  /** undefined: the caller's own plan. */
  userId: string | undefined;
  fanChart: boolean;
  listeners: Set<StreamListener>;
  lastSeq: number | undefined;
  /** Waiting for the snapshot of a (re-)subscribe: updates until then are dropped. */
  awaitingSnapshot: boolean;
}

/** The WebSocket constructor (the browser's, or `ws`'s in Node tests). */
export type SocketFactory = (url: string, protocols: string[]) => WebSocket;

export interface StreamOptions {
  url: string;
  /**
   * A valid access token (renewed by the caller's session when due); `renew` asks for a new
   * one even if the current looks valid (the server refused it: 4401, or it expired: 4001).
   */
  token: (renew?: boolean) => Promise<string | null>;
  socket?: SocketFactory;
  random?: () => number;
  now?: () => number;
  backoff?: BackoffPolicy;
  /** The account was closed or the session cannot authenticate: stop and sign out. */
  onSignedOut?: (reason: string) => void;
}

/**
 * One WebSocket to `/ws` carrying every plan stream of the page: authenticates first,
 * re-authenticates before the token expires, subscribes (again after every reconnect and
 * after every sequence gap), answers what-ifs latest-wins, and carries live solves.
 */
export class StreamClient {
  private ws: WebSocket | null = null;
  private stopped = true;
  private attempt = 0;
  private welcomed = false;
  private selfId: string | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private reauthTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly subs = new Map<string, Subscription>();
  /** Our own `unsubscribe`s not yet answered, per stream key: their `unsubscribed` is no news. */
  private readonly unsubscribing = new Map<string, number>();
  private readonly statusListeners = new Set<(s: ConnectionStatus) => void>();
  private readonly errorListeners = new Set<(message: string) => void>();
  private currentStatus: ConnectionStatus = { kind: 'connecting' };
  private receivedAt = 0;
  /** The server refused or outlived the last token: get a new one before the next auth. */
  private renewToken = false;
  private nextRequestId = 1;
  private readonly whatIfs = new Map<string, WhatIfChannel>();
  private readonly commits = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly solves = new Map<number, (outcome: SolveOutcome) => void>();
  private readonly opts: Required<Omit<StreamOptions, 'onSignedOut'>> &
    Pick<StreamOptions, 'onSignedOut'>;

  constructor(options: StreamOptions) {
    this.opts = {
      socket: (url, protocols) => new WebSocket(url, protocols),
      random: Math.random,
      now: () => Date.now(),
      backoff: DEFAULT_BACKOFF,
      ...options,
    };
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
    for (const s of this.solves.values()) s({ ok: false, message: 'stopped', lost: true });
    this.solves.clear();
  }

  onStatus(listener: (s: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    listener(this.currentStatus);
    return () => this.statusListeners.delete(listener);
  }

  onError(listener: (message: string) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Follows a plan stream (`userId` undefined: one's own). Returns the unsubscribe. */
  subscribe(userId: string | undefined, listener: StreamListener, fanChart = false): () => void {
    const key = userId ?? 'self';
    let sub = this.subs.get(key);
    if (!sub) {
      sub = { userId, fanChart, listeners: new Set(), lastSeq: undefined, awaitingSnapshot: true };
      this.subs.set(key, sub);
      if (this.welcomed) this.sendSubscribe(sub);
    } else if (fanChart && !sub.fanChart) {
      sub.fanChart = true;
      if (this.welcomed) this.sendSubscribe(sub);
    }
    sub.listeners.add(listener);
    const current = sub;
    return () => {
      current.listeners.delete(listener);
      if (current.listeners.size === 0 && this.subs.get(key) === current) {
        this.subs.delete(key);
        if (this.welcomed && this.send({ type: 'unsubscribe', ...(userId ? { user_id: userId } : {}) })) {
          this.unsubscribing.set(key, (this.unsubscribing.get(key) ?? 0) + 1);
        }
      }
    };
  }

  /** The what-if channel of a plan: one request in flight, the newest waiting (latest wins). */
  whatIf(userId: string | undefined): WhatIfChannel {
    const key = userId ?? 'self';
    let channel = this.whatIfs.get(key);
    if (!channel) {
      channel = new WhatIfChannel(userId, () => this.nextRequestId++, (m) => this.send(m));
      this.whatIfs.set(key, channel);
    }
    return channel;
  }

  /** Stores the connection's last what-if as the caller's plan. */
  commit(): Promise<void> {
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      if (!this.send({ type: 'commit', request_id: requestId })) {
        reject(new Error('not connected'));
        return;
      }
      this.commits.set(requestId, { resolve, reject });
    });
  }

  /**
   * Solves a live plan (`userId` undefined: one's own) for one input at a target success, from
   * its live wealth; resolves with the answer, the server's refusal, or `lost`.
   */
  solve(userId: string | undefined, lever: SolveFor, target: number): Promise<SolveOutcome> {
    const requestId = this.nextRequestId++;
    return new Promise((resolve) => {
      const sent = this.send({
        type: 'solve',
        request_id: requestId,
        ...(userId ? { user_id: userId } : {}),
        for: lever,
        target_success: target,
      });
      if (!sent) {
        resolve({ ok: false, message: 'not connected', lost: true });
        return;
      }
      this.solves.set(requestId, resolve);
    });
  }

  private connect(): void {
    this.welcomed = false;
    this.setStatus({ kind: 'connecting' });
    let ws: WebSocket;
    try {
      ws = this.opts.socket(this.opts.url, [SUBPROTOCOL_JSON]);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      void this.authenticate(ws);
    };
    ws.onmessage = (event: MessageEvent) => {
      if (this.ws !== ws) return;
      this.receivedAt = perfNow();
      const text = typeof event.data === 'string' ? event.data : String(event.data);
      let message: ServerMessage;
      try {
        message = JSON.parse(text) as ServerMessage;
      } catch {
        return;
      }
      this.handle(message);
    };
    // A failed connection also closes; the close decides what happens next.
    ws.onerror = () => {};
    ws.onclose = (event: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.onDisconnect(event.code, event.reason);
    };
  }

  private async authenticate(ws: WebSocket): Promise<void> {
    const renew = this.renewToken;
    this.renewToken = false;
    const token = await this.opts.token(renew);
    if (this.ws !== ws) return;
    if (!token) {
      this.stopped = true;
      ws.close(1000);
      this.setStatus({ kind: 'closed', reason: 'signed out' });
      this.opts.onSignedOut?.('signed out');
      return;
    }
    this.send({ type: 'auth', token });
  }

  private handle(m: ServerMessage): void {
    switch (m.type) {
      case 'welcome': {
        this.selfId = m.user_id;
        this.scheduleReauth(m.expires_at_ms);
        if (!this.welcomed) {
          this.welcomed = true;
          this.attempt = 0;
          this.setStatus({ kind: 'live' });
          for (const sub of this.subs.values()) this.sendSubscribe(sub);
          for (const channel of this.whatIfs.values()) channel.resend();
        }
        return;
      }
      case 'snapshot': {
        const sub = this.subFor(m.stream);
        if (!sub) return;
        sub.lastSeq = m.seq;
        sub.awaitingSnapshot = false;
        this.refreshStatus();
        for (const l of sub.listeners) l.onFrame?.({ state: m.state, seq: m.seq, ticks: [], snapshot: true, explanation: null, receivedAt: this.receivedAt });
        return;
      }
      case 'update': {
        const sub = this.subFor(m.stream);
        if (!sub || sub.awaitingSnapshot) return;
        if (isGap(sub.lastSeq, m.seq, m.skipped)) {
          // A frame went missing without being counted: what we show may be stale, so
          // ask for a fresh snapshot rather than carry on from a state we cannot vouch for.
          this.sendSubscribe(sub);
          return;
        }
        sub.lastSeq = m.seq;
        for (const l of sub.listeners) l.onFrame?.({ state: m.state, seq: m.seq, ticks: m.ticks, snapshot: false, explanation: m.explanation ?? null, receivedAt: this.receivedAt });
        return;
      }
      case 'alert': {
        const sub = this.subFor(m.stream);
        if (sub) for (const l of sub.listeners) l.onAlert?.(m.alert);
        return;
      }
      case 'proposal': {
        const sub = this.subFor(m.stream);
        if (sub) for (const l of sub.listeners) l.onProposal?.(m.proposal);
        return;
      }
      case 'recommendations': {
        const sub = this.subFor(m.stream);
        if (sub) for (const l of sub.listeners) l.onRecommendations?.(m.recommendations);
        return;
      }
      case 'unsubscribed': {
        const key = m.stream === this.selfId ? 'self' : m.stream;
        const own = this.unsubscribing.get(key) ?? 0;
        if (own > 0) {
          // The answer to our own unsubscribe (a page that left), even if another page has
          // subscribed again since: that subscribe's snapshot follows.
          if (own === 1) this.unsubscribing.delete(key);
          else this.unsubscribing.set(key, own - 1);
          return;
        }
        const sub = this.subFor(m.stream);
        if (!sub) return;
        // Access was revoked or the session stopped: the stream is over for us.
        this.subs.delete(sub.userId ?? 'self');
        for (const l of sub.listeners) l.onEnded?.(m.reason);
        return;
      }
      case 'what_if_result': {
        for (const channel of this.whatIfs.values()) channel.answer(m.request_id, { ok: true, requestId: m.request_id, answer: m.answer });
        return;
      }
      case 'committed': {
        this.commits.get(m.request_id)?.resolve();
        this.commits.delete(m.request_id);
        return;
      }
      case 'solve_result': {
        this.solves.get(m.request_id)?.({ ok: true, answer: m.answer, startingWealth: m.starting_wealth, wealthSource: m.wealth_source });
        this.solves.delete(m.request_id);
        return;
      }
      case 'error': {
        if (m.request_id !== undefined) {
          const commit = this.commits.get(m.request_id);
          if (commit) {
            commit.reject(new Error(m.message));
            this.commits.delete(m.request_id);
            return;
          }
          const solve = this.solves.get(m.request_id);
          if (solve) {
            this.solves.delete(m.request_id);
            solve({ ok: false, message: m.message, ...(m.field ? { field: m.field } : {}) });
            return;
          }
          for (const channel of this.whatIfs.values()) {
            channel.answer(m.request_id, {
              ok: false,
              requestId: m.request_id,
              message: m.message,
              ...(m.field ? { field: m.field } : {}),
            });
          }
          return;
        }
        for (const l of this.errorListeners) l(m.message);
        return;
      }
      case 'pong':
        return;
    }
  }

  private subFor(stream: string): Subscription | undefined {
    return this.subs.get(stream === this.selfId ? 'self' : stream) ?? this.subs.get(stream);
  }

  private sendSubscribe(sub: Subscription): void {
    sub.awaitingSnapshot = true;
    sub.lastSeq = undefined;
    this.refreshStatus();
    this.send({
      type: 'subscribe',
      ...(sub.userId ? { user_id: sub.userId } : {}),
      ...(sub.fanChart ? { fan_chart: true } : {}),
    });
  }

  private refreshStatus(): void {
    if (!this.welcomed) return;
    const resyncing = [...this.subs.values()].some((s) => s.awaitingSnapshot);
    this.setStatus(resyncing ? { kind: 'resyncing' } : { kind: 'live' });
  }

  private scheduleReauth(expiresAtMs: number): void {
    if (this.reauthTimer) clearTimeout(this.reauthTimer);
    const now = this.opts.now();
    this.reauthTimer = setTimeout(async () => {
      const token = await this.opts.token();
      if (token) this.send({ type: 'auth', token });
    }, Math.max(0, refreshAt(now, expiresAtMs) - now));
  }

  private onDisconnect(code: number, reason: string): void {
    this.welcomed = false;
    this.unsubscribing.clear();
    if (this.reauthTimer) clearTimeout(this.reauthTimer);
    for (const sub of this.subs.values()) {
      sub.lastSeq = undefined;
      sub.awaitingSnapshot = true;
    }
    for (const c of this.commits.values()) c.reject(new Error('connection lost'));
    this.commits.clear();
    for (const s of this.solves.values()) s({ ok: false, message: 'connection lost', lost: true });
    this.solves.clear();
    if (this.stopped) return;
    if (code === CLOSE.AUTH_REQUIRED || code === CLOSE.TOKEN_EXPIRED) this.renewToken = true;
    if (code === CLOSE.ACCOUNT_CLOSED) {
      this.stopped = true;
      this.setStatus({ kind: 'closed', reason: reason || 'account closed' });
      this.opts.onSignedOut?.('account closed');
      return;
    }
    this.scheduleReconnect(retryHint(code, reason));
  }

  /**
   * A stopping node says when to come back (`retryHintMs`): that is not a failed attempt, so
   * it neither waits the backoff nor lengthens the next one.
   */
  private scheduleReconnect(retryHintMs?: number): void {
    const delay =
      retryHintMs === undefined
        ? backoffDelay(this.attempt++, this.opts.random, this.opts.backoff)
        : hintedDelay(retryHintMs, this.opts.random, this.opts.backoff);
    this.setStatus({ kind: 'offline', retryAtMs: this.opts.now() + delay });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  private send(message: ClientMessage): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1) return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  private setStatus(status: ConnectionStatus): void {
    const same =
      status.kind === this.currentStatus.kind &&
      (status.kind !== 'offline' || (this.currentStatus.kind === 'offline' && this.currentStatus.retryAtMs === status.retryAtMs));
    this.currentStatus = status;
    if (!same) for (const l of this.statusListeners) l(status);
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.reauthTimer) clearTimeout(this.reauthTimer);
    this.reconnectTimer = null;
    this.reauthTimer = null;
  }
}

/**
 * What-ifs of one plan while a slider moves: at most one request in flight; a newer change
 * waits in one slot and replaces an older waiting one, so the answer shown always catches
 * up with the slider without queueing stale requests behind it.
 */
export class WhatIfChannel {
  private inflight: { id: number; changes: WhatIfChanges; sentAt: number } | null = null;
  private pending: WhatIfChanges | null = null;
  private readonly listeners = new Set<(o: WhatIfOutcome) => void>();

  constructor(
    private readonly userId: string | undefined,
    private readonly nextId: () => number,
    private readonly sendMessage: (m: ClientMessage) => boolean,
  ) {}

  onAnswer(listener: (o: WhatIfOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** True while an answer is awaited. */
  get busy(): boolean {
    return this.inflight !== null || this.pending !== null;
  }

  request(changes: WhatIfChanges): void {
    if (this.inflight) {
      this.pending = changes;
      return;
    }
    this.dispatch(changes);
  }

  /** After a reconnect: the request in flight was lost with the connection. */
  resend(): void {
    const changes = this.pending ?? this.inflight?.changes;
    this.inflight = null;
    this.pending = null;
    if (changes) this.dispatch(changes);
  }

  answer(requestId: number, outcome: WhatIfOutcome): void {
    if (this.inflight?.id !== requestId) return;
    const sentAt = this.inflight.sentAt;
    this.inflight = null;
    const next = this.pending;
    this.pending = null;
    // Shown even when superseded (the answer follows the slider while it moves); the newest
    // change goes out now, so the last answer shown is always the slider's last position.
    if (next) this.dispatch(next);
    for (const l of this.listeners) l({ ...outcome, superseded: next !== null, sentAt });
  }

  private dispatch(changes: WhatIfChanges): void {
    const id = this.nextId();
    this.inflight = { id, changes, sentAt: perfNow() };
    this.sendMessage({
      type: 'what_if',
      request_id: id,
      ...(this.userId ? { user_id: this.userId } : {}),
      changes,
    });
  }
}
