import { useEffect, useState } from 'react';
import type { Api } from '../api/api';
import type { Recommendation } from '../api/types';
import type { LiveRecommendations } from '../live/wire';
import { pct, signedPts } from './format';
import { errorText, useAsync } from './useAsync';

/** What the live stream said last, in words. */
function liveText(live: LiveRecommendations): string {
  if (live.target_success === undefined) {
    return `Your chance of success, ${pct(live.success_probability)}, is back above your alert thresholds.`;
  }
  const where = `Your chance of success, ${pct(live.success_probability)}, is at or below your ${pct(live.target_success)} alert`;
  if (live.recommendations.length > 0) return `${where}: these changes would help, verified on your live paths.`;
  if (live.unavailable) return `${where}. No recommendation: ${live.unavailable}.`;
  return `${where}. No change within what you can carry helps enough right now.`;
}

/**
 * Changes the server recommends for the plan, each verified by simulation on the plan's own
 * paths; the user accepts one (it becomes the plan) or dismisses it. The live stream's
 * recommendations (`live`, pushed when the success crosses an alert threshold) replace the
 * open ones as they come.
 */
export function Recommendations({ api, live, onAccepted }: { api: Api; live?: LiveRecommendations | null; onAccepted?: () => void }) {
  const stored = useAsync(() => api.recommendations(), api);
  const { setData } = stored;
  useEffect(() => {
    if (!live || live.recommendations.length === 0) return;
    // The server stored them in place of the open ones.
    setData((data) => [...live.recommendations, ...(data ?? []).filter((r) => r.status !== 'new' && !live.recommendations.some((l) => l.id === r.id))]);
  }, [live, setData]);
  const [target, setTarget] = useState('85');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const open = (stored.data ?? []).filter((r) => r.status === 'new');

  const ask = async () => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const answer = await api.recommend(Number(target) / 100);
      stored.setData([...answer.recommendations, ...(stored.data ?? []).filter((r) => r.status !== 'new')]);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const answer = async (r: Recommendation, verb: 'accept' | 'dismiss') => {
    setError(null);
    try {
      const answered = await api.answerRecommendation(r.id, verb);
      stored.setData((stored.data ?? []).map((x) => (x.id === r.id ? answered : x)));
      setDone(verb === 'accept' ? `Accepted: ${r.cost} is now your plan.` : `Dismissed: ${r.cost}.`);
      if (verb === 'accept') onAccepted?.();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <section className="card" aria-labelledby="recommendations-heading" data-testid="recommendations">
      <h2 id="recommendations-heading">Recommendations</h2>
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void ask(); }}>
        <div className="field">
          <label htmlFor="rec-target">Chance of success to aim for (%)</label>
          <input id="rec-target" type="number" min={1} max={100} step={1} value={target} onChange={(e) => setTarget(e.target.value)} />
        </div>
        <button type="submit" disabled={busy}>{busy ? 'Simulating…' : 'Recommend changes'}</button>
      </form>
      {(error ?? stored.error) && <p className="error" role="alert">{error ?? stored.error}</p>}
      {done && <p role="status">{done}</p>}
      {live && <p className={live.target_success === undefined ? 'muted' : 'bad'} data-testid="live-recommendations" role="status">{liveText(live)}</p>}
      {stored.data && open.length === 0 && <p className="muted">No open recommendation: ask for some above.</p>}
      <ul className="plain" aria-live="polite">
        {open.map((r) => (
          <li key={r.id} data-testid="recommendation" data-kind={r.kind}>
            <p><strong>{r.cost}</strong></p>
            <p>{r.reason}</p>
            <p className="muted">
              Success {pct(r.success_before)} → {pct(r.success_after)} ({signedPts(r.success_change)} ± {(r.standard_error * 100).toFixed(1)})
            </p>
            <div className="actions">
              <button type="button" onClick={() => void answer(r, 'accept')}>Accept</button>
              <button type="button" className="secondary" onClick={() => void answer(r, 'dismiss')}>Dismiss</button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
