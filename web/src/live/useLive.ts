import { useEffect, useState } from 'react';
import type { ConnectionStatus, StreamClient } from './stream';
import type { Explanation, LiveAlert, LiveRecommendations, LiveState, Proposal, TickSummary } from './wire';

export interface MovedPrice extends TickSummary {
  previous: number | undefined;
}

export interface LiveView {
  state: LiveState | null;
  seq: number | null;
  /** Latest price per symbol seen in this page's updates. */
  prices: Map<string, MovedPrice>;
  /** The prices that moved in the latest update. */
  moved: MovedPrice[];
  /** Why the success moved since the stream's snapshot, as the latest frame says. */
  explanation: Explanation | null;
  alerts: LiveAlert[];
  /** Proposals on this plan made or answered while the page was open, newest first. */
  proposals: Proposal[];
  /** The latest recommendations the stream pushed (on crossing a success_below threshold). */
  recommendations: LiveRecommendations | null;
  ended: string | null;
  /** When the last frame arrived (performance clock). */
  frameAt: number;
}

const EMPTY: LiveView = { state: null, seq: null, prices: new Map(), moved: [], explanation: null, alerts: [], proposals: [], recommendations: null, ended: null, frameAt: 0 };

/** Follows one plan stream while the component is mounted. */
export function useLive(stream: StreamClient, userId: string | undefined, fanChart = false): LiveView {
  const key = `${userId ?? 'self'}:${fanChart}`;
  // Kept with the stream it belongs to: another stream's view reads as empty at once.
  const [keyed, setKeyed] = useState<{ key: string; view: LiveView }>({ key, view: EMPTY });
  useEffect(() => {
    const setView = (f: (v: LiveView) => LiveView) =>
      setKeyed((k) => ({ key, view: f(k.key === key ? k.view : EMPTY) }));
    return stream.subscribe(
      userId,
      {
        onFrame: (f) =>
          setView((v) => {
            const prices = new Map(v.prices);
            const moved = f.ticks.map((t) => {
              const m = { ...t, previous: prices.get(t.symbol)?.price };
              prices.set(t.symbol, m);
              return m;
            });
            return { ...v, state: f.state, seq: f.seq, prices, moved: f.snapshot ? v.moved : moved, explanation: f.explanation, ended: null, frameAt: f.receivedAt };
          }),
        onAlert: (a) => setView((v) => ({ ...v, alerts: [a, ...v.alerts].slice(0, 50) })),
        onProposal: (p) => setView((v) => ({ ...v, proposals: [p, ...v.proposals.filter((q) => q.id !== p.id)].slice(0, 50) })),
        onRecommendations: (r) => setView((v) => ({ ...v, recommendations: r })),
        onEnded: (reason) => setView((v) => ({ ...v, ended: reason })),
      },
      fanChart,
    );
  }, [stream, userId, fanChart, key]);
  return keyed.key === key ? keyed.view : EMPTY;
}

export function useConnection(stream: StreamClient): ConnectionStatus {
  const [status, setStatus] = useState<ConnectionStatus>(stream.status);
  useEffect(() => stream.onStatus(setStatus), [stream]);
  return status;
}
