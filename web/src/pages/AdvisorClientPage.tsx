import { useCallback, useEffect, useMemo, useState } from 'react';
import { useApp } from '../app/context';
import { Link } from '../app/router';
import { FanChart } from '../components/FanChart';
import { ClientRecommendations } from '../components/ClientRecommendations';
import { Proposals } from '../components/Proposals';
import { money, pct } from '../components/format';
import { Summary } from '../components/Summary';
import { Ticker } from '../components/Ticker';
import { WhatIfPanel } from '../components/WhatIfPanel';
import { useLive } from '../live/useLive';
import type { PlanSpec } from '../api/types';
import type { LiveState, WhatIfChanges } from '../live/wire';

/**
 * A client's live plan, read-only. The advisor's what-ifs run on it (nothing is stored),
 * starting from the inputs the stream says it simulated.
 */
export default function AdvisorClientPage({ clientId }: { clientId: string }) {
  const { api, stream } = useApp();
  const live = useLive(stream, clientId, true);
  // A refused subscribe (no grant, or no such client) answers `error` not_found.
  const [refused, setRefused] = useState<string | null>(null);
  useEffect(() => stream.onError(setRefused), [stream]);
  // The sliders' starting point changes only when the plan does, not with every tick.
  const planKey = live.state ? JSON.stringify(planInputs(live.state)) : null;
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const plan = useMemo(() => (live.state ? planFrom(live.state) : null), [planKey]);
  const propose = useCallback(async (changes: WhatIfChanges, message: string) => {
    await api.propose(clientId, { changes, message });
  }, [api, clientId]);
  return (
    <>
      <p><Link to="/app/advisor">← Advisor book</Link></p>
      <h1>Client plan</h1>
      {refused && !live.state && <p className="error" role="alert">This plan cannot be shown: {refused}</p>}
      {live.ended && <p className="error" role="alert">The stream ended: {live.ended}. You no longer see this plan.</p>}
      <Ticker moved={live.moved} />
      <div className="columns">
        <Summary state={live.ended ? null : live.state} frameAt={live.frameAt} />
        {live.state && !live.ended && <WhatIfPanel key={planKey} stream={stream} userId={clientId} plan={plan} age={null} canCommit={false} propose={propose} />}
      </div>
      {!live.ended && <Proposals api={api} live={live.proposals} clientId={clientId} />}
      {!live.ended && live.state && <ClientRecommendations api={api} clientId={clientId} live={live.recommendations} />}
      {!live.ended && <FanChart points={live.state?.simulation.fan_chart} />}
      {live.state && !live.ended && <Allocation state={live.state} />}
    </>
  );
}

/** The simulated inputs the stream reports; the sliders restart only when these change. */
function planInputs(state: LiveState) {
  const s = state.simulation;
  return [s.monthly_contribution, s.monthly_spending, s.retirement_month, s.horizon_months,
    state.portfolio.classes.map((c) => [c.asset_class, c.target])];
}

/** What the sliders need, from what the stream says it simulated. */
function planFrom(state: LiveState): PlanSpec {
  const s = state.simulation;
  return {
    initial_wealth: s.starting_wealth,
    monthly_contribution: s.monthly_contribution,
    monthly_spending: s.monthly_spending,
    retirement_month: s.retirement_month,
    horizon_months: s.horizon_months,
    // Only the names matter here: the what-if sends weights, never returns or volatilities.
    asset_classes: state.portfolio.classes.map((c) => ({ name: c.asset_class, mu: 0, sigma: 0 })),
    weights: state.portfolio.classes.map((c) => c.target),
  } as PlanSpec;
}

function Allocation({ state }: { state: LiveState }) {
  return (
    <section className="card" aria-labelledby="alloc-heading">
      <h2 id="alloc-heading">Allocation</h2>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Allocation table">
        <table className="numbers">
          <caption>Market value {money(state.portfolio.total_value)}</caption>
          <thead><tr><th scope="col">Class</th><th scope="col">Value</th><th scope="col">Weight</th><th scope="col">Target</th><th scope="col">Drift</th></tr></thead>
          <tbody>
            {state.portfolio.classes.map((c) => (
              <tr key={c.asset_class}>
                <th scope="row">{c.asset_class}</th><td>{money(c.value)}</td><td>{pct(c.weight)}</td><td>{pct(c.target)}</td><td>{pct(c.drift)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
