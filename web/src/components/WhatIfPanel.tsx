import { memo, useEffect, useLayoutEffect, useMemo, useState } from 'react';
import { now, record } from '../perf';
import type { PlanSpec } from '../api/types';
import type { StreamClient, WhatIfOutcome } from '../live/stream';
import type { WhatIfChanges } from '../live/wire';
import { DEFAULT_PLAN, money, pct, signedMoney, signedPts } from './format';

interface Props {
  stream: StreamClient;
  /** Whose plan (undefined: one's own). */
  userId: string | undefined;
  plan: PlanSpec | null;
  /** The owner's age, when known: retirement is then set as an age. */
  age: number | null | undefined;
  canCommit: boolean;
  onCommitted?: () => void;
  /** The plan shown was just committed from here (the panel restarts on the new plan). */
  committed?: boolean;
  /** An advisor's panel: sends the changes to the client as a proposal with a message. */
  propose?: (changes: WhatIfChanges, message: string) => Promise<void>;
}

interface Sliders {
  contribution: number;
  spending: number;
  retirementMonth: number;
  weights: number[];
}

function fromPlan(plan: PlanSpec): Sliders {
  const n = plan.asset_classes?.length ?? DEFAULT_PLAN.asset_classes.length;
  const weights = plan.weights ?? (plan.asset_classes ? Array.from({ length: n }, () => 1 / n) : DEFAULT_PLAN.weights);
  return {
    contribution: plan.monthly_contribution ?? 0,
    spending: plan.monthly_spending ?? 0,
    retirementMonth: plan.retirement_month,
    weights: weights.map((w) => Math.round(w * 100)),
  };
}

function changesOf(s: Sliders, base: Sliders): WhatIfChanges {
  const c: WhatIfChanges = {};
  if (s.contribution !== base.contribution) c.monthly_contribution = s.contribution;
  if (s.spending !== base.spending) c.monthly_spending = s.spending;
  if (s.retirementMonth !== base.retirementMonth) c.retirement_month = s.retirementMonth;
  if (s.weights.some((w, i) => w !== base.weights[i])) {
    const total = s.weights.reduce((a, b) => a + b, 0);
    c.weights = total > 0 ? s.weights.map((w) => w / total) : s.weights.map(() => 1 / s.weights.length);
  }
  return c;
}

/**
 * Sliders answered over the WebSocket while they move: the plan as is beside the plan changed.
 * The parent keys it by the plan, so a committed plan starts the sliders afresh.
 */
export const WhatIfPanel = memo(function WhatIfPanel({ stream, userId, plan, age, canCommit, onCommitted, committed, propose }: Props) {
  const effective = plan ?? (DEFAULT_PLAN as PlanSpec);
  const base = useMemo(() => fromPlan(effective), [effective]);
  const [sliders, setSliders] = useState<Sliders>(base);
  const [outcome, setOutcome] = useState<WhatIfOutcome | null>(null);
  const [commitState, setCommitState] = useState<'idle' | 'busy' | 'done' | string>('idle');
  const [message, setMessage] = useState('');
  const [proposeState, setProposeState] = useState<'idle' | 'busy' | 'done' | string>('idle');
  const channel = useMemo(() => stream.whatIf(userId), [stream, userId]);
  const names = (effective.asset_classes ?? DEFAULT_PLAN.asset_classes).map((a) => a.name);

  useEffect(() => channel.onAnswer(setOutcome), [channel]);
  useLayoutEffect(() => {
    // The answer is in the DOM now.
    if (outcome?.ok && outcome.sentAt !== undefined) record('whatIfToDom', now() - outcome.sentAt);
  }, [outcome]);

  const update = (next: Sliders) => {
    setSliders(next);
    setCommitState('idle');
    setProposeState('idle');
    const changes = changesOf(next, base);
    if (Object.keys(changes).length === 0) {
      setOutcome(null);
      return;
    }
    channel.request(changes);
  };

  const commit = async () => {
    setCommitState('busy');
    try {
      await stream.commit();
      setCommitState('done');
      onCommitted?.();
    } catch (e) {
      setCommitState(e instanceof Error ? e.message : 'failed');
    }
  };

  const sendProposal = async () => {
    if (!propose) return;
    setProposeState('busy');
    try {
      await propose(changesOf(sliders, base), message.trim());
      setProposeState('done');
      setMessage('');
    } catch (e) {
      setProposeState(e instanceof Error ? e.message : 'failed');
    }
  };

  const maxContribution = Math.max(10000, Math.ceil((base.contribution * 3) / 1000) * 1000);
  const maxSpending = Math.max(20000, Math.ceil((base.spending * 3) / 1000) * 1000);
  const horizon = effective.horizon_months;
  const totalWeight = sliders.weights.reduce((a, b) => a + b, 0);
  const answer = outcome?.ok ? outcome.answer : null;
  const dirty = Object.keys(changesOf(sliders, base)).length > 0;

  return (
    <section className="card whatif" aria-labelledby="whatif-heading">
      <h2 id="whatif-heading">What if…</h2>
      <div className="sliders">
        <Slider id="wi-contribution" label="Monthly contribution" min={0} max={maxContribution} step={50} value={sliders.contribution}
          display={money(sliders.contribution)} onChange={(v) => update({ ...sliders, contribution: v })} />
        <Slider id="wi-spending" label="Monthly spending" min={0} max={maxSpending} step={50} value={sliders.spending}
          display={money(sliders.spending)} onChange={(v) => update({ ...sliders, spending: v })} />
        {age != null ? (
          <Slider id="wi-retirement" label="Retirement age" min={age} max={Math.max(age, Math.min(age + Math.floor(horizon / 12), 100))} step={1}
            value={age + Math.round(sliders.retirementMonth / 12)} display={`${age + Math.round(sliders.retirementMonth / 12)}`}
            onChange={(v) => update({ ...sliders, retirementMonth: (v - age) * 12 })} />
        ) : (
          <Slider id="wi-retirement" label="Retirement in (months)" min={0} max={Math.min(1200, horizon)} step={12}
            value={sliders.retirementMonth} display={`${sliders.retirementMonth} months (${(sliders.retirementMonth / 12).toFixed(0)} years)`}
            onChange={(v) => update({ ...sliders, retirementMonth: v })} />
        )}
        <fieldset>
          <legend>Allocation weights</legend>
          {names.map((name, i) => (
            <Slider key={name} id={`wi-weight-${i}`} label={name} min={0} max={100} step={1} value={sliders.weights[i] ?? 0}
              display={totalWeight > 0 ? pct((sliders.weights[i] ?? 0) / totalWeight, 0) : '—'}
              onChange={(v) => update({ ...sliders, weights: sliders.weights.map((w, j) => (j === i ? v : w)) })} />
          ))}
          <p className="hint">Weights are scaled to add up to 100%.</p>
        </fieldset>
      </div>
      <div aria-live="polite" data-testid="whatif-answer">
        {outcome && !outcome.ok && <p className="error" role="alert">{outcome.message}</p>}
        {answer && (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="What-if comparison">
          <table className="numbers compare">
            <caption>The plan as it stands and with your changes</caption>
            <thead>
              <tr><th scope="col" /><th scope="col">Now</th><th scope="col">What if</th><th scope="col">Difference</th></tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">Success probability</th>
                <td>{pct(answer.base.success_probability)}</td>
                <td data-testid="whatif-variant">{pct(answer.variant.success_probability)}</td>
                <td className={answer.success_probability_change >= 0 ? 'good' : 'bad'}>{signedPts(answer.success_probability_change)}</td>
              </tr>
              <tr>
                <th scope="row">Median terminal wealth</th>
                <td>{money(answer.base.terminal_real_wealth.p50)}</td>
                <td>{money(answer.variant.terminal_real_wealth.p50)}</td>
                <td className={answer.median_terminal_change >= 0 ? 'good' : 'bad'}>{signedMoney(answer.median_terminal_change)}</td>
              </tr>
            </tbody>
          </table>
          </div>
        )}
        {!outcome && <p className="muted">Move a slider to see its effect on the same simulated paths.</p>}
      </div>
      {propose && (
        <div className="field">
          <label htmlFor="wi-message">Message to the client</label>
          <textarea id="wi-message" rows={2} maxLength={1000} value={message} onChange={(e) => setMessage(e.target.value)} />
        </div>
      )}
      <div className="actions">
        {propose && (
          <button type="button" onClick={() => void sendProposal()} disabled={!answer || !dirty || !message.trim() || proposeState === 'busy'}>
            Propose to client
          </button>
        )}
        {canCommit && (
          <button type="button" onClick={() => void commit()} disabled={!answer || !dirty || channel.busy || commitState === 'busy'}>
            Commit
          </button>
        )}
        <button type="button" className="secondary" disabled={!dirty} onClick={() => { setSliders(base); setOutcome(null); }}>
          Reset
        </button>
        {(commitState === 'done' || (committed && !dirty && commitState === 'idle')) && <span role="status">Saved as your plan.</span>}
        {commitState !== 'idle' && commitState !== 'busy' && commitState !== 'done' && <span className="error" role="alert">{commitState}</span>}
        {proposeState === 'done' && <span role="status">Proposed to the client.</span>}
        {proposeState !== 'idle' && proposeState !== 'busy' && proposeState !== 'done' && <span className="error" role="alert">{proposeState}</span>}
      </div>
    </section>
  );
});

function Slider(props: { id: string; label: string; min: number; max: number; step: number; value: number; display: string; onChange: (v: number) => void }) {
  return (
    <div className="slider">
      <label htmlFor={props.id}>{props.label}</label>
      <input id={props.id} type="range" min={props.min} max={props.max} step={props.step} value={props.value}
        aria-valuetext={props.display} onChange={(e) => props.onChange(Number(e.target.value))} />
      <output htmlFor={props.id}>{props.display}</output>
    </div>
  );
}
