import { useCallback, useState } from 'react';
import { useApp } from '../app/context';
import { Link } from '../app/router';
import { Alerts } from '../components/Alerts';
import { FanChart } from '../components/FanChart';
import { DEFAULT_PLAN } from '../components/format';
import { Goals } from '../components/Goals';
import { Grants } from '../components/Grants';
import { Holdings } from '../components/Holdings';
import { PlanEditor } from '../components/PlanEditor';
import { Proposals } from '../components/Proposals';
import { Recommendations } from '../components/Recommendations';
import { SolvePanel } from '../components/SolvePanel';
import { Summary } from '../components/Summary';
import { Ticker } from '../components/Ticker';
import { useAsync } from '../components/useAsync';
import { WhatIfPanel } from '../components/WhatIfPanel';
import { useConnection, useLive } from '../live/useLive';
import { hasExtensions } from '../plan/extensions';

/** The signed-in user's own plan, live. */
export function PlanPage() {
  const { api, stream } = useApp();
  const live = useLive(stream, undefined, true);
  const status = useConnection(stream);
  const plan = useAsync(() => api.plan(), api);
  const profile = useAsync(() => api.profile(), api);
  const classes = (plan.data?.asset_classes ?? DEFAULT_PLAN.asset_classes).map((c) => c.name);
  const extended = hasExtensions(plan.data?.extensions);
  const reloadPlan = plan.reload;
  const planKey = JSON.stringify(plan.data);
  const [committed, setCommitted] = useState(false);
  const onCommitted = useCallback(() => {
    setCommitted(true);
    reloadPlan();
  }, [reloadPlan]);
  const save = useCallback(
    async (spec: Parameters<typeof api.putPlan>[0]) => {
      await api.putPlan(spec);
      reloadPlan();
    },
    [api, reloadPlan],
  );

  return (
    <>
      <h1>My plan</h1>
      {extended && (
        <p className="card notice" role="note" data-testid="extensions-note">
          Your plan has goals, income or other details set on <Link to="/app/plan/details">Plan details</Link>. The live numbers
          here, the what-if sliders, “What could I change?” and the recommendations include them.
        </p>
      )}
      {live.ended && <p className="error" role="alert">The live stream ended: {live.ended}.</p>}
      <Ticker moved={live.moved} />
      <Proposals api={api} live={live.proposals} onAccepted={reloadPlan} />
      <div className="columns">
        <Summary state={live.state} frameAt={live.frameAt} explanation={live.explanation} />
        <WhatIfPanel key={planKey} stream={stream} userId={undefined} plan={plan.data} age={profile.data?.profile.age} canCommit committed={committed} onCommitted={onCommitted} />
      </div>
      <FanChart points={live.state?.simulation.fan_chart} />
      <Holdings api={api} state={live.state} prices={live.prices} classes={classes} />
      <SolvePanel api={api} stream={stream} status={status} seq={live.seq} frameAt={live.frameAt} planKey={planKey} />
      <Recommendations api={api} live={live.recommendations} onAccepted={reloadPlan} />
      <PlanEditor key={planKey} plan={plan.data} onSave={save} />
      <div className="columns">
        <Goals api={api} />
        <Alerts api={api} live={live.alerts} />
      </div>
      <Grants api={api} />
    </>
  );
}
