import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { StreamClient, type ConnectionStatus, type SolveOutcome, type StreamFrame, type WhatIfOutcome } from '../src/live/stream';
import type { ClientMessage, LiveState, ServerMessage } from '../src/live/wire';

/** A real WebSocket server speaking the server's side of the protocol, scripted per test. */
class FakeServer {
  readonly wss: WebSocketServer;
  readonly received: ClientMessage[] = [];
  connections = 0;
  private current: import('ws').WebSocket | null = null;
  onMessage: (m: ClientMessage, server: FakeServer) => void = () => {};

  constructor() {
    this.wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    this.wss.on('connection', (socket) => {
      this.connections++;
      this.current = socket;
      socket.on('message', (data) => {
        const m = JSON.parse(String(data)) as ClientMessage;
        this.received.push(m);
        this.onMessage(m, this);
      });
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/ws`;
  }

  send(m: ServerMessage): void {
    this.current?.send(JSON.stringify(m));
  }

  drop(): void {
    this.current?.terminate();
  }

  closeCurrent(code: number, reason?: string): void {
    this.current?.close(code, reason);
  }

  sent(type: ClientMessage['type']): ClientMessage[] {
    return this.received.filter((m) => m.type === type);
  }

  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}

const ME = '00000000-0000-0000-0000-000000000001';

function state(successProbability: number): LiveState {
  const p = { p5: 1, p25: 2, p50: 3, p75: 4, p95: 5 };
  return {
    user_id: ME,
    simulation: {
      paths: 1000, seed: 1, starting_wealth: 1, wealth_source: 'holdings', monthly_contribution: 0,
      monthly_spending: 0, retirement_month: 0, horizon_months: 12,
      success_probability: successProbability, success_standard_error: 0.01, terminal_real_wealth: p,
    },
    portfolio: {
      total_value: 1, classes: [], max_abs_drift: 0, unpriced: [], band: 0.05, outside_band: false,
      rebalance_trades: 0,
    },
    computed_at_ms: 0,
  };
}

/** Answers auth with welcome and subscribe with a snapshot at `seq`, like the server. */
function standardServer(server: FakeServer, opts: { seq?: () => number; expiresInMs?: number } = {}) {
  server.onMessage = (m, s) => {
    if (m.type === 'auth') s.send({ type: 'welcome', user_id: ME, expires_at_ms: Date.now() + (opts.expiresInMs ?? 900_000) });
    if (m.type === 'subscribe') s.send({ type: 'snapshot', stream: ME, seq: opts.seq?.() ?? 3, state: state(0.5) });
  };
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const servers: FakeServer[] = [];
const clients: StreamClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  for (const s of servers.splice(0)) await s.close();
});

async function setup(tokens: (renew?: boolean) => string = () => 'token-1', backoffBaseMs = 10, onSignedOut?: (reason: string) => void) {
  const server = new FakeServer();
  servers.push(server);
  await new Promise((r) => server.wss.once('listening', r));
  const client = new StreamClient({
    url: server.url,
    token: async (renew) => tokens(renew),
    socket: (url, protocols) => new NodeWebSocket(url, protocols) as unknown as WebSocket,
    backoff: { baseMs: backoffBaseMs, capMs: 1000, jitter: 0.5 },
    ...(onSignedOut ? { onSignedOut } : {}),
  });
  clients.push(client);
  const frames: StreamFrame[] = [];
  return { server, client, frames };
}

describe('StreamClient', () => {
  it('authenticates first, then subscribes with the fan chart asked for', async () => {
    const { server, client, frames } = await setup();
    standardServer(server);
    client.subscribe(undefined, { onFrame: (f) => frames.push(f) }, true);
    client.start();
    await until(() => frames.length === 1);
    expect(server.received.map((m) => m.type)).toEqual(['auth', 'subscribe']);
    expect(server.received[0]).toEqual({ type: 'auth', token: 'token-1' });
    expect(server.received[1]).toEqual({ type: 'subscribe', fan_chart: true });
    expect(frames[0]?.snapshot).toBe(true);
    expect(client.status.kind).toBe('live');
  });

  it('delivers updates that follow the seq rule and re-subscribes on a gap', async () => {
    const { server, client, frames } = await setup();
    let snapshotSeq = 3;
    standardServer(server, { seq: () => snapshotSeq });
    const statuses: ConnectionStatus['kind'][] = [];
    client.onStatus((s) => statuses.push(s.kind));
    client.subscribe(undefined, { onFrame: (f) => frames.push(f) });
    client.start();
    await until(() => frames.length === 1);
    const update = (seq: number, skipped: number, p: number): ServerMessage => ({
      type: 'update', stream: ME, seq, skipped, coalesced: 1, ticks: [{ symbol: 'SPY', price: 1, ts_ms: 1 }], state: state(p),
    });
    server.send(update(4, 0, 0.51));
    server.send(update(7, 2, 0.52)); // 4 + 1 + 2: two dropped by the server, and said so
    await until(() => frames.length === 3);
    expect(server.sent('subscribe')).toHaveLength(1);

    snapshotSeq = 9;
    server.send(update(9, 0, 0.99)); // 8 went missing uncounted: a gap
    await until(() => server.sent('subscribe').length === 2);
    await until(() => frames.length === 4);
    // The gap's frame was not shown; the fresh snapshot was.
    expect(frames.map((f) => f.seq)).toEqual([3, 4, 7, 9]);
    expect(frames[3]?.snapshot).toBe(true);
    expect(statuses).toContain('resyncing');
    expect(client.status.kind).toBe('live');

    server.send(update(10, 0, 0.6)); // and the stream goes on from the new snapshot
    await until(() => frames.length === 5);
    expect(frames[4]?.explanation).toBeNull();

    // An update's explanation reaches the listener as sent; a snapshot never has one.
    const explanation = { since_seq: 9, since_ms: 5, total: 0.01, market: 0.01, plan: 0, rest: 0, changed_inputs: [] };
    server.send({ ...update(11, 0, 0.61), explanation } as ServerMessage);
    await until(() => frames.length === 6);
    expect(frames[5]?.explanation).toEqual(explanation);
    expect(frames[3]?.explanation).toBeNull();
  });

  it('drops updates that arrive while a re-subscribe awaits its snapshot', async () => {
    const { server, client, frames } = await setup();
    let answerSubscribe = true;
    server.onMessage = (m, s) => {
      if (m.type === 'auth') s.send({ type: 'welcome', user_id: ME, expires_at_ms: Date.now() + 900_000 });
      if (m.type === 'subscribe' && answerSubscribe) s.send({ type: 'snapshot', stream: ME, seq: 1, state: state(0.5) });
    };
    client.subscribe(undefined, { onFrame: (f) => frames.push(f) });
    client.start();
    await until(() => frames.length === 1);
    answerSubscribe = false;
    const update = (seq: number): ServerMessage => ({ type: 'update', stream: ME, seq, skipped: 0, coalesced: 1, ticks: [], state: state(0.5) });
    server.send(update(5)); // gap
    await until(() => server.sent('subscribe').length === 2);
    server.send(update(6));
    server.send(update(7));
    await new Promise((r) => setTimeout(r, 50));
    expect(frames).toHaveLength(1);
    expect(server.sent('subscribe')).toHaveLength(2); // one re-subscribe, not one per frame
    expect(client.status.kind).toBe('resyncing');
  });

  it('reconnects after a drop, authenticating and subscribing again', async () => {
    let n = 0;
    const { server, client, frames } = await setup(() => `token-${++n}`);
    standardServer(server);
    client.subscribe(undefined, { onFrame: (f) => frames.push(f) });
    client.start();
    await until(() => frames.length === 1);
    server.drop();
    await until(() => client.status.kind === 'offline');
    await until(() => frames.length === 2);
    expect(server.connections).toBe(2);
    expect(server.received.map((m) => m.type)).toEqual(['auth', 'subscribe', 'auth', 'subscribe']);
    expect(server.sent('auth').at(-1)).toEqual({ type: 'auth', token: 'token-2' });
  });

  it('asks for a renewed token after the server refused one', async () => {
    const asked: (boolean | undefined)[] = [];
    const { server, client, frames } = await setup((renew) => {
      asked.push(renew);
      return renew ? 'fresh' : 'stale';
    });
    let refused = false;
    server.onMessage = (m, s) => {
      if (m.type === 'auth' && m.token === 'stale' && !refused) {
        refused = true;
        s.closeCurrent(4401);
        return;
      }
      if (m.type === 'auth') s.send({ type: 'welcome', user_id: ME, expires_at_ms: Date.now() + 900_000 });
      if (m.type === 'subscribe') s.send({ type: 'snapshot', stream: ME, seq: 1, state: state(0.5) });
    };
    client.subscribe(undefined, { onFrame: (f) => frames.push(f) });
    client.start();
    await until(() => frames.length === 1);
    expect(asked).toEqual([false, true]);
    expect(server.sent('auth').map((m) => (m as { token: string }).token)).toEqual(['stale', 'fresh']);
  });

  it('stops and signs out when the account is closed (4403)', async () => {
    const signedOut: string[] = [];
    const { server, client } = await setup(undefined, 10, (r) => signedOut.push(r));
    standardServer(server);
    client.start();
    await until(() => client.status.kind === 'live');
    server.closeCurrent(4403);
    await until(() => client.status.kind === 'closed');
    await new Promise((r) => setTimeout(r, 100));
    expect(server.connections).toBe(1);
    expect(signedOut).toEqual(['account closed']);
  });

  it('backs off between failed attempts', async () => {
    const { server, client } = await setup(() => 't', 40);
    const port = Number(new URL(server.url).port);
    await server.close();
    servers.length = 0;
    const delays: number[] = [];
    client.onStatus((s) => {
      if (s.kind === 'offline') delays.push(s.retryAtMs - Date.now());
    });
    client.start();
    await until(() => delays.length >= 4, 5000);
    client.stop();
    // 40, 80, 160, 320 ms at most, at least half of each (jitter).
    delays.slice(0, 4).forEach((d, i) => {
      expect(d).toBeLessThanOrEqual(40 * 2 ** i + 5);
      expect(d).toBeGreaterThanOrEqual((40 * 2 ** i) / 2 - 5);
    });
    expect(port).toBeGreaterThan(0);
  });

  it('waits the retry hint of a stopping node instead of the backoff, with jitter', async () => {
    // A backoff of 10 ms would bring the client back long before the hint.
    const { server, client } = await setup(() => 't', 10);
    standardServer(server);
    const retries: number[] = [];
    client.onStatus((s) => {
      if (s.kind === 'offline') retries.push(s.retryAtMs - Date.now());
    });
    client.subscribe(undefined, {});
    client.start();
    await until(() => client.status.kind === 'live');
    const closedAt = Date.now();
    server.closeCurrent(1001, JSON.stringify({ reason: 'the server is stopping', retry_after_ms: 300 }));
    await until(() => server.connections === 2 && client.status.kind === 'live', 2000);
    // The hint, plus at most half of it (the test policy's jitter), and no sooner.
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(295);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toBeGreaterThanOrEqual(295);
    expect(retries[0]).toBeLessThanOrEqual(455);
  });

  it('backs off as usual after a 1001 without a retry hint', async () => {
    const { server, client } = await setup(() => 't', 10);
    standardServer(server);
    const retries: number[] = [];
    client.onStatus((s) => {
      if (s.kind === 'offline') retries.push(s.retryAtMs - Date.now());
    });
    client.subscribe(undefined, {});
    client.start();
    await until(() => client.status.kind === 'live');
    server.closeCurrent(1001, 'no frames from the client');
    await until(() => server.connections === 2, 2000);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toBeLessThanOrEqual(15);
  });

  it('re-authenticates before the token expires', async () => {
    let n = 0;
    const { server, client } = await setup(() => `token-${++n}`);
    standardServer(server, { expiresInMs: 300 });
    client.subscribe(undefined, {});
    client.start();
    await until(() => server.sent('auth').length === 2, 1000);
    expect(server.sent('auth')[1]).toEqual({ type: 'auth', token: 'token-2' });
    // A re-auth is not a new connection: no second subscribe.
    expect(server.sent('subscribe')).toHaveLength(1);
    expect(server.connections).toBe(1);
  });

  it('answers what-ifs latest-wins while a slider moves', async () => {
    const { server, client } = await setup();
    const held: number[] = [];
    server.onMessage = (m, s) => {
      if (m.type === 'auth') s.send({ type: 'welcome', user_id: ME, expires_at_ms: Date.now() + 900_000 });
      if (m.type === 'what_if') held.push(m.request_id);
    };
    client.start();
    await until(() => client.status.kind === 'live');
    const outcomes: WhatIfOutcome[] = [];
    const channel = client.whatIf(undefined);
    channel.onAnswer((o) => outcomes.push(o));
    for (const c of [1000, 1100, 1200, 1300]) channel.request({ monthly_contribution: c });
    await until(() => held.length === 1);
    const answer = (id: number) => {
      const sim = state(0.5).simulation;
      s_send({ type: 'what_if_result', request_id: id, stream: ME, answer: { base: sim, variant: sim, success_probability_change: id, median_terminal_change: 0 } });
    };
    const s_send = (m: ServerMessage) => server.send(m);
    answer(held[0]!);
    await until(() => held.length === 2);
    const whatIfs = server.sent('what_if') as Extract<ClientMessage, { type: 'what_if' }>[];
    // The two middle positions never went out: only the first and the newest.
    expect(whatIfs.map((m) => m.changes.monthly_contribution)).toEqual([1000, 1300]);
    answer(held[1]!);
    await until(() => outcomes.length === 2);
    expect(outcomes[0]?.superseded).toBe(true);
    expect(outcomes[1]?.superseded).toBe(false);
    expect(outcomes[1]?.requestId).toBe(held[1]);
    expect(channel.busy).toBe(false);
    // A late answer to an old id is ignored.
    answer(held[0]!);
    await new Promise((r) => setTimeout(r, 30));
    expect(outcomes).toHaveLength(2);
  });

  it('carries live solves: an answer, a refusal naming the field, and a dropped connection', async () => {
    const { server, client } = await setup();
    server.onMessage = (m, s) => {
      if (m.type === 'auth') s.send({ type: 'welcome', user_id: ME, expires_at_ms: Date.now() + 900_000 });
      if (m.type !== 'solve') return;
      if (m.target_success > 1) {
        s.send({ type: 'error', code: 'validation_failed', message: 'must be above 0 and at most 1', field: 'target_success', request_id: m.request_id });
      } else if (m.for === 'monthly_spending') {
        s.send({
          type: 'solve_result', request_id: m.request_id, stream: ME, starting_wealth: 115000, wealth_source: 'holdings',
          answer: { for: m.for, value: 2024.9, target_success: m.target_success, search_success: 0.85, achieved_success: 0.867, standard_error: 0.011, paths: 1000, seed: 7 },
        });
      }
    };
    client.start();
    await until(() => client.status.kind === 'live');
    const answered = await client.solve(undefined, 'monthly_spending', 0.85);
    expect(answered).toEqual({
      ok: true, startingWealth: 115000, wealthSource: 'holdings',
      answer: { for: 'monthly_spending', value: 2024.9, target_success: 0.85, search_success: 0.85, achieved_success: 0.867, standard_error: 0.011, paths: 1000, seed: 7 },
    });
    expect(server.sent('solve')[0]).toEqual({ type: 'solve', request_id: expect.any(Number), for: 'monthly_spending', target_success: 0.85 });
    expect(await client.solve(undefined, 'initial_wealth', 1.5)).toEqual({ ok: false, message: 'must be above 0 and at most 1', field: 'target_success' });
    // Unanswered when the connection drops: said so, not left hanging.
    const pending: Promise<SolveOutcome> = client.solve(undefined, 'equity_share', 0.85);
    await until(() => server.sent('solve').length === 3);
    server.drop();
    expect(await pending).toEqual({ ok: false, message: 'connection lost', lost: true });
  });

  it('takes the answer to its own unsubscribe as no news when a page subscribes again at once', async () => {
    const { server, client, frames } = await setup();
    const CLIENT = '00000000-0000-0000-0000-0000000000c1';
    server.onMessage = (m, s) => {
      if (m.type === 'auth') s.send({ type: 'welcome', user_id: ME, expires_at_ms: Date.now() + 900_000 });
      if (m.type === 'subscribe') s.send({ type: 'snapshot', stream: CLIENT, seq: 1, state: state(0.5) });
      if (m.type === 'unsubscribe') s.send({ type: 'unsubscribed', stream: CLIENT, reason: 'unsubscribed' });
    };
    client.start();
    await until(() => client.status.kind === 'live');
    const offBook = client.subscribe(CLIENT, { onFrame: (f) => frames.push(f) });
    await until(() => frames.length === 1);
    // The book unmounts and the client's page mounts: unsubscribe, then subscribe.
    offBook();
    const ended: string[] = [];
    client.subscribe(CLIENT, { onFrame: (f) => frames.push(f), onEnded: (r) => ended.push(r) });
    await until(() => frames.length === 2);
    expect(server.received.map((m) => m.type)).toEqual(['auth', 'subscribe', 'unsubscribe', 'subscribe']);
    expect(ended).toEqual([]);
    // A revocation later still ends it.
    server.send({ type: 'unsubscribed', stream: CLIENT, reason: 'access revoked' });
    await until(() => ended.length === 1);
    expect(ended).toEqual(['access revoked']);
  });
});
