import { memo, useState, type FormEvent, type ReactNode } from 'react';
import type { Api } from '../api/api';
import type { GoalOptimizationResponse, LeverAnswer, SolveFor } from '../api/types';
import { pct, price } from './format';
import { errorText } from './useAsync';

/** Paths of each run: enough for a standard error near half a point, quick on the server. */
const PATHS = 5_000;

const LABELS: Record<SolveFor, string> = {
  monthly_spending: 'Highest monthly spending',
  monthly_contribution: 'Lowest monthly contribution',
  retirement_month: 'Earliest retirement',
  initial_wealth: 'Smallest starting wealth',
};

/** A lever's value in words: money, or a month counted in years and months from now. */
export function leverValue(lever: SolveFor, value: number): string {
  if (lever !== 'retirement_month') return price(value);
  const years = Math.floor(value / 12);
  const months = value % 12;
  const parts = [years > 0 ? `${years} year${years === 1 ? '' : 's'}` : '', months > 0 ? `${months} month${months === 1 ? '' : 's'}` : ''];
  const span = parts.filter(Boolean).join(' ') || 'now';
  return `month ${value} (${span === 'now' ? 'now' : `in ${span}`})`;
}

/**
 * "What could I change?": for a chance of success the user picks, the value each input of the
 * stored plan would need, the others as they are (`POST /ml/goal-optimization`).
 */
export const SolvePanel = memo(function SolvePanel({ api, note }: { api: Api; note?: ReactNode }) {
  const [target, setTarget] = useState('85');
  const [answer, setAnswer] = useState<GoalOptimizationResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      setAnswer(await api.goalOptimization({ target_success: Number(target) / 100, paths: PATHS }));
    } catch (err) {
      setAnswer(null);
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

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
      {answer && (
        <div className="table-wrap">
          <table className="numbers" data-testid="solve-answers">
            <caption>
              Each on its own, the rest of the plan as it is, for {pct(answer.target_success, 0)} ({answer.paths.toLocaleString()} paths)
            </caption>
            <thead>
              <tr>
                <th scope="col">Input</th>
                <th scope="col">Value</th>
                <th scope="col">Success on fresh paths</th>
              </tr>
            </thead>
            <tbody>
              {answer.levers.map((l: LeverAnswer) => (
                <tr key={l.for}>
                  <th scope="row">{LABELS[l.for]}</th>
                  {l.value == null ? (
                    <td colSpan={2}>Out of reach: {l.unreachable}</td>
                  ) : (
                    <>
                      <td>{leverValue(l.for, l.value)}</td>
                      <td>
                        {pct(l.achieved_success)} ± {pct(l.standard_error)}
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
