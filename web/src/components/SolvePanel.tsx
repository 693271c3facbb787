import { memo, useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import type { Api } from '../api/api';
import type { GoalOptimizationResponse, SolveFor } from '../api/types';
import { LiveSolver, LIVE_LEVERS, type LiveSolveView } from '../live/solve';
import type { ConnectionStatus, SolveOutcome, StreamClient } from '../live/stream';
import { money, pct, price } from './format';
import { errorText } from './useAsync';

/** Paths of each run over REST: enough for a standard error near half a point, quick on the server. */
const PATHS = 5_000;

const LABELS: Record<SolveFor, string> = {
  monthly_spending: 'Highest monthly spending',
  monthly_contribution: 'Lowest monthly contribution',
  retirement_month: 'Earliest retirement',
  initial_wealth: 'Smallest starting wealth',
  equity_share: 'Least equity share',
};

/** A lever's value in words: money, a share of the portfolio, or a month counted in years and months from now. */
export function leverValue(lever: SolveFor, value: number): string {
  if (lever === 'equity_share') return `${pct(value, 1)} in equity`;
  if (lever !== 'retirement_month') return price(value);
  const years = Math.floor(value / 12);
  const months = value % 12;
  const parts = [years > 0 ? `${years} year${years === 1 ? '' : 's'}` : '', months > 0 ? `${months} month${months === 1 ? '' : 's'}` : ''];
  const span = parts.filter(Boolean).join(' ') || 'now';
  return `month ${value} (${span === 'now' ? 'now' : `in ${span}`})`;
}

/** The card's first line: "You could spend up to X a month at 85%", or why not. */
export function headline(target: number, outcome: SolveOutcome | undefined): string | null {
  if (!outcome || (!outcome.ok && outcome.lost)) return null;
  const at = pct(target, 0);
  if (outcome.ok) return `You could spend up to ${price(outcome.answer.value)} a month at ${at}.`;
  return outcome.field === 'target_success' ? `No monthly spending reaches ${at}: ${outcome.message}` : outcome.message;
}

/** One row of the table, from either path: a value with its fresh-paths check, or why there is none. */
interface Row {
  lever: SolveFor;
  value?: number;
  achieved?: number;
  standardError?: number;
  /** Why there is no value. */
  why?: string;
}

function liveRows(view: LiveSolveView): Row[] {
  return LIVE_LEVERS.map((lever) => {
    const o = view.answers[lever];
    if (!o) return { lever };
    if (o.ok) return { lever, value: o.answer.value, achieved: o.answer.achieved_success, standardError: o.answer.standard_error };
    return o.lost ? { lever } : { lever, why: o.message };
  });
}

function restRows(answer: GoalOptimizationResponse): Row[] {
  return answer.levers.map((l) =>
    l.value == null
      ? { lever: l.for, why: l.unreachable ?? 'no answer' }
      : { lever: l.for, value: l.value, achieved: l.achieved_success ?? undefined, standardError: l.standard_error ?? undefined },
  );
}

/** Follows the live answers while `enabled`, asking again as the stream's states come. */
function useLiveSolves(stream: StreamClient | undefined, enabled: boolean, target: number | null, seq: number | null, frameAt: number): LiveSolveView | null {
  const [view, setView] = useState<LiveSolveView | null>(null);
  const solver = useMemo(() => {
    if (!stream || !enabled) return null;
    return new LiveSolver({
      ask: (lever, t) => stream.solve(undefined, lever, t),
      onChange: setView,
      paused: () => typeof document !== 'undefined' && document.visibilityState === 'hidden',
    });
  }, [stream, enabled]);
  useEffect(() => {
    if (!solver) return;
    const wake = () => solver.wake();
    document.addEventListener('visibilitychange', wake);
    return () => {
      document.removeEventListener('visibilitychange', wake);
      solver.stop();
    };
  }, [solver]);
  useEffect(() => {
    if (solver && target !== null) solver.setTarget(target);
  }, [solver, target]);
  useEffect(() => {
    if (solver && seq !== null) solver.stateSeen(seq);
  }, [solver, seq, frameAt]);
  return solver ? view : null;
}

interface Props {
  api: Api;
  /** The page's stream: with a live state, the answers come from it and follow the market. */
  stream?: StreamClient;
  status?: ConnectionStatus;
  /** The live state's `seq` and arrival (null without one). */
  seq?: number | null;
  frameAt?: number;
  /** The stored plan (serialised): a REST answer is for the plan it was asked on. */
  planKey?: string;
  /** Said under the heading (what the answers leave out, where that matters). */
  note?: ReactNode;
}

/**
 * "What could I change?": for a chance of success the user picks, the value each input of the
 * plan would need, the others as they are. With a live stream, each input is solved for the
 * live plan over the WebSocket (from the holdings' value at market prices, on the session's
 * paths) and asked again as the market moves; without one, the stored plan is solved once over
 * REST (`POST /ml/goal-optimization`).
 */
export const SolvePanel = memo(function SolvePanel({ api, stream, status, seq = null, frameAt = 0, planKey, note }: Props) {
  const [target, setTarget] = useState('85');
  // A re-subscribe after a gap keeps the live answers (its snapshot follows at once).
  const live = (status?.kind === 'live' || status?.kind === 'resyncing') && seq !== null && stream !== undefined;
  // Live answers start at once, for the target in the box.
  const [asked, setAsked] = useState<number | null>(0.85);
  const liveView = useLiveSolves(stream, live, asked, seq, frameAt);
  const [rest, setRest] = useState<{ answer: GoalOptimizationResponse; planKey?: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const chosen = Number(target) / 100;
    setAsked(chosen);
    if (live) return;
    setBusy(true);
    try {
      setRest({ answer: await api.goalOptimization({ target_success: chosen, paths: PATHS }), planKey });
    } catch (err) {
      setRest(null);
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const restAnswer = rest && rest.planKey === planKey ? rest.answer : null;
  const shownLive = live && liveView !== null && liveView.target !== null;
  const rows = shownLive ? liveRows(liveView) : restAnswer ? restRows(restAnswer) : null;
  const shownTarget = shownLive ? liveView.target! : restAnswer?.target_success;
  const spending = shownLive ? liveView.answers.monthly_spending : undefined;
  const said = shownLive ? headline(liveView.target!, spending) : null;
  const from = spending?.ok ? spending : LIVE_LEVERS.map((l) => liveView?.answers[l]).find((o) => o?.ok);

  return (
    <section className="card" aria-labelledby="solve-heading">
      <h2 id="solve-heading">What could I change?</h2>
      {note}
      <form onSubmit={(e) => void submit(e)} className="inline-form">
        <label>
          Chance of success I want (%)
          <input type="number" min={1} max={100} step={1} required value={target} onChange={(e) => setTarget(e.target.value)} />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Finding…' : 'Find my options'}
        </button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {shownLive && (
        <p role="status" aria-live="polite" data-testid="solve-headline" className={said ? 'headline' : 'muted'}>
          {said ?? 'Finding your options at market prices…'}
        </p>
      )}
      {rows && shownTarget !== undefined && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Options for the chance you want">
          <table className="numbers" data-testid="solve-answers" data-live={shownLive ? 'true' : 'false'}>
            <caption>
              Each on its own, the rest of the plan as it is, for {pct(shownTarget, 0)}
              {shownLive
                ? from?.ok
                  ? `: live, from ${from.wealthSource === 'holdings' ? 'your holdings at market prices' : "the plan's starting wealth"} of ${money(from.startingWealth)} (${from.answer.paths.toLocaleString()} paths)`
                  : ': live'
                : ` (${restAnswer?.paths.toLocaleString()} paths)`}
            </caption>
            <thead>
              <tr>
                <th scope="col">Input</th>
                <th scope="col">Value</th>
                <th scope="col">Success on fresh paths</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.lever} data-lever={r.lever}>
                  <th scope="row">{LABELS[r.lever]}</th>
                  {r.value === undefined ? (
                    <td colSpan={2}>{r.why ? `Out of reach: ${r.why}` : '…'}</td>
                  ) : (
                    <>
                      <td>{leverValue(r.lever, r.value)}</td>
                      <td>
                        {pct(r.achieved)} ± {pct(r.standardError)}
                      </td>
                    </>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
});
