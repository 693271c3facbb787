import type { SolveOutcome } from './stream';
import type { SolveFor } from './wire';

/** The inputs asked, in the order they are asked: spending first, since the headline reads it. */
export const LIVE_LEVERS: readonly SolveFor[] = ['monthly_spending', 'monthly_contribution', 'retirement_month', 'initial_wealth', 'equity_share'];

/**
 * The least time between the starts of two rounds: a round is a few dozen simulations of the
 * live paths on the server, so a dashboard left open asks again every couple of seconds at
 * most, not on every tick.
 */
export const MIN_ROUND_MS = 2_000;

export interface LiveSolveView {
  /** The target the answers are for; null until one is asked. */
  target: number | null;
  answers: Partial<Record<SolveFor, SolveOutcome>>;
  /** The stream's `seq` when the round that gave the latest answer began. */
  seq: number | null;
  /** A request is in flight. */
  busy: boolean;
}

export interface LiveSolverOptions {
  /** Asks the server (a `solve` over the WebSocket). */
  ask: (lever: SolveFor, target: number) => Promise<SolveOutcome>;
  onChange: (view: LiveSolveView) => void;
  levers?: readonly SolveFor[];
  minRoundMs?: number;
  now?: () => number;
  /** Whether rounds should wait (the page is hidden): checked when one would start. */
  paused?: () => boolean;
}

/**
 * The live answers of "What could I change?": every input asked in turn, one request in flight.
 * A round starts when the stream has a newer state than the last round started from (the
 * market moved, or the plan changed), at most once per `minRoundMs`, and at once for a new
 * target. Answers to an older target are dropped and its waiting requests are not sent
 * (latest wins). A request that got no answer (the connection dropped) is asked again with the
 * next state.
 */
export class LiveSolver {
  private target: number | null = null;
  private answers: Partial<Record<SolveFor, SolveOutcome>> = {};
  private queue: SolveFor[] = [];
  private inflight = false;
  private latestSeq: number | null = null;
  private roundSeq: number | null = null;
  private answeredSeq: number | null = null;
  private roundStartedAt = -Infinity;
  /** A new target waits for the request in flight, then starts a round at once. */
  private fresh = false;
  /** A request went unanswered: the round is over, the next starts with the next state. */
  private waitForState = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly levers: readonly SolveFor[];
  private readonly minRoundMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: LiveSolverOptions) {
    this.levers = opts.levers ?? LIVE_LEVERS;
    this.minRoundMs = opts.minRoundMs ?? MIN_ROUND_MS;
    this.now = opts.now ?? (() => Date.now());
  }

  get view(): LiveSolveView {
    return { target: this.target, answers: { ...this.answers }, seq: this.answeredSeq, busy: this.inflight };
  }

  /** Asks for `target` (a probability) from now on. */
  setTarget(target: number): void {
    if (target === this.target) return;
    this.target = target;
    this.answers = {};
    this.queue = [];
    this.fresh = true;
    this.emit();
    this.pump();
  }

  /** The stream's newest state (also after a reconnect's snapshot, whatever its `seq`). */
  stateSeen(seq: number): void {
    this.latestSeq = seq;
    this.waitForState = false;
    this.pump();
  }

  /** Asks nothing more; answers still in flight are dropped. */
  stop(): void {
    this.stopped = true;
    this.queue = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The page became visible again (or anything else that may let a waiting round start). */
  wake(): void {
    this.pump();
  }

  private pump(): void {
    if (this.stopped || this.inflight || this.target === null || this.latestSeq === null) return;
    const next = this.queue.shift();
    if (next) {
      this.dispatch(next, this.target);
      return;
    }
    const due = this.fresh || (!this.waitForState && this.latestSeq !== this.roundSeq);
    if (!due || this.timer || this.opts.paused?.()) return;
    const wait = this.fresh ? 0 : this.roundStartedAt + this.minRoundMs - this.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      return;
    }
    this.fresh = false;
    this.roundSeq = this.latestSeq;
    this.roundStartedAt = this.now();
    this.queue = [...this.levers];
    this.pump();
  }

  private dispatch(lever: SolveFor, target: number): void {
    this.inflight = true;
    const seq = this.roundSeq;
    this.emit();
    void this.opts.ask(lever, target).then((outcome) => {
      this.inflight = false;
      if (this.stopped) return;
      if (target === this.target) {
        if (!outcome.ok && outcome.lost) {
          // Unanswered: keep what was shown; the rest of the round would be lost too, so it
          // starts again with the next state (a reconnect's snapshot).
          this.queue = [];
          this.roundSeq = null;
          this.waitForState = true;
        } else {
          this.answers = { ...this.answers, [lever]: outcome };
          this.answeredSeq = seq;
        }
      }
      this.emit();
      this.pump();
    });
  }

  private emit(): void {
    if (!this.stopped) this.opts.onChange(this.view);
  }
}
