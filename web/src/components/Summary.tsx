import { useLayoutEffect } from 'react';
import { explanationLine } from '../live/explain';
import { extensionsNotes, liveGoals } from '../live/extensions';
import type { Explanation, LiveState } from '../live/wire';
import { now, record } from '../perf';
import { money, pct } from './format';

/** The live success probability; with `explanation`, a line saying why it moved since the stream's snapshot. */
export function Summary({ state, frameAt, explanation }: { state: LiveState | null; frameAt?: number; explanation?: Explanation | null }) {
  useLayoutEffect(() => {
    // The DOM now shows this frame's state.
    if (state && frameAt) record('frameToDom', now() - frameAt);
  }, [state, frameAt]);
  if (!state) return <section className="card summary" aria-busy="true"><h2>Success probability</h2><p>Waiting for the live plan…</p></section>;
  const sim = state.simulation;
  const t = sim.terminal_real_wealth;
  const goals = liveGoals(sim);
  const notes = extensionsNotes(sim);
  return (
    <section className="card summary" aria-labelledby="summary-heading" data-computed-at={state.computed_at_ms}>
      <h2 id="summary-heading">Success probability</h2>
      <p className="big" data-testid="success">
        {pct(sim.success_probability)} <span className="se">± {pct(sim.success_standard_error)}</span>
      </p>
      {explanation && (
        <p className="explanation" data-testid="explanation" data-since-seq={explanation.since_seq}>
          {explanationLine(explanation, state.computed_at_ms)}
        </p>
      )}
      <p className="muted">
        Chance the money lasts the whole horizon, over {sim.paths.toLocaleString('en-US')} simulated paths, starting from{' '}
        {money(sim.starting_wealth)} ({sim.wealth_source === 'holdings' ? 'your holdings at market prices' : 'the plan’s initial wealth'}).
      </p>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Terminal wealth percentiles">
      <table className="numbers">
        <caption>Real terminal wealth (today’s money)</caption>
        <thead>
          <tr><th scope="col">5th</th><th scope="col">25th</th><th scope="col">Median</th><th scope="col">75th</th><th scope="col">95th</th></tr>
        </thead>
        <tbody>
          <tr data-testid="terminal">
            <td>{money(t.p5)}</td><td>{money(t.p25)}</td><td>{money(t.p50)}</td><td>{money(t.p75)}</td><td>{money(t.p95)}</td>
          </tr>
        </tbody>
      </table>
      </div>
      {goals.length > 0 && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Goals">
        <table className="numbers" data-testid="live-goals">
          <caption>Chance each goal is paid in full</caption>
          <thead>
            <tr><th scope="col">Goal</th><th scope="col">When</th><th scope="col">Chance</th></tr>
          </thead>
          <tbody>
            {goals.map((g, i) => (
              <tr key={i}>
                <th scope="row">{g.name} <span className="muted">({g.priority})</span></th>
                <td>{g.when}</td>
                <td>{pct(g.probability)} <span className="se">± {pct(g.standardError)}</span></td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
      {notes.map((note) => (
        <p key={note} className="hint" data-testid="extensions-live-note">{note}</p>
      ))}
    </section>
  );
}
