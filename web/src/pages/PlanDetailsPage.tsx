import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { Api } from '../api/api';
import { ApiProblem } from '../api/problem';
import type { CompareModelsResponse, PlanExtensions, PlanSpec, SimulationSummary } from '../api/types';
import { useApp } from '../app/context';
import { Link } from '../app/router';
import { Field } from '../components/Field';
import { money, pct } from '../components/format';
import { SolvePanel } from '../components/SolvePanel';
import { SpendingChart } from '../components/SpendingChart';
import { errorText } from '../components/useAsync';
import {
  classNames,
  COLAS,
  DEFAULT_SPEC,
  extensionsOf,
  fieldOf,
  formOf,
  goalLines,
  INFLATION_MODELS,
  knownFields,
  modelRows,
  monthName,
  monthOf,
  monthToDate,
  placeRefusal,
  planWeights,
  planWith,
  PRIORITIES,
  RETURN_MODELS,
  span,
  STRATEGIES,
  thisMonth,
  whenOf,
  whenText,
  type EventRow,
  type GlideRow,
  type GoalRow,
  type IncomeRow,
  type PlanForm,
  type Refusal,
  type When,
  type YearMonth,
} from '../plan/model';

/** Paths of each run: a standard error under half a point, quick on the server. */
export const PATHS = 10_000;
/**
 * One seed for every run: the same random numbers each time, so a change in the results is the
 * plan's change and not noise, and the comparison's lognormal row is the plan's own run.
 */
export const SEED = 1;

interface Stored {
  /** The stored plan; null when the user has stored none (the server's default is used). */
  plan: PlanSpec | null;
  /** Counts loads and saves: each starts a fresh form and a fresh comparison. */
  version: number;
}

interface Run {
  key: Stored;
  summary: SimulationSummary | null;
  error: unknown;
}

const NO_REFUSAL: Refusal = { fields: {}, general: [] };

/**
 * The stored plan's model extensions (goals, income streams, one-off events, the withdrawal
 * strategy, a glide path, the return and inflation models), edited and saved with the rest of
 * the plan as it is, and the plan simulated with them: each goal's chance, spending by year, and
 * the plan under every return model side by side.
 */
export default function PlanDetailsPage() {
  const { api } = useApp();
  const today = useMemo(() => thisMonth(), []);
  const [stored, setStored] = useState<Stored | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [run, setRun] = useState<Run | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.plan().then(
      (plan) => live && setStored({ plan, version: 0 }),
      (e: unknown) => {
        if (!live) return;
        if (e instanceof ApiProblem && e.status === 404) setStored({ plan: null, version: 0 });
        else setLoadError(errorText(e));
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  // Every plan loaded or saved is simulated once (the stored one; the default when none is).
  useEffect(() => {
    if (!stored) return;
    let live = true;
    const key = stored;
    const options = { paths: PATHS, seed: SEED, fan_chart: false };
    api.simulate(stored.plan ? options : { ...options, plan: DEFAULT_SPEC }).then(
      (r) => live && setRun({ key, summary: r.summary, error: null }),
      (e: unknown) => live && setRun({ key, summary: null, error: e }),
    );
    return () => {
      live = false;
    };
  }, [api, stored]);

  /** Stores the plan with `extensions`; a refusal is thrown for the form to place. */
  const save = async (extensions: PlanExtensions): Promise<void> => {
    setNotice(null);
    const plan = await api.putPlan(planWith(stored?.plan ?? null, extensions));
    setStored((s) => ({ plan, version: (s?.version ?? 0) + 1 }));
    setNotice('Saved. The results above are for the saved plan.');
  };

  if (loadError) return <p className="error" role="alert">The plan could not be loaded: {loadError}</p>;
  if (!stored) return <p aria-busy="true">Loading the plan…</p>;

  const plan = stored.plan ?? DEFAULT_SPEC;
  const busy = run?.key !== stored;
  const summary = busy ? null : run?.summary ?? null;
  const runError = busy ? null : run?.error ?? null;

  return (
    <>
      <h1>Plan details</h1>
      <p className="muted">
        Goals, income, one-off events, how retirement spending is set, a glide path and the return and inflation models,
        simulated together with <Link to="/app/plan">your plan</Link>. It runs {span(plan.horizon_months)} (to{' '}
        {monthName(plan.horizon_months, today)}), retiring in {plan.retirement_month === 0 ? 'this month' : span(plan.retirement_month)};
        amounts are in today’s money.
      </p>
      <Results summary={summary} busy={busy} error={runError} today={today} stored={stored.plan !== null} />
      <Editor key={stored.version} plan={stored.plan} today={today} runError={runError} notice={notice} onSave={save} />
      <Comparison key={`compare-${stored.version}`} api={api} />
      <SolvePanel
        api={api}
        note={
          <p className="hint" data-testid="solve-note">
            These answers run the plan with everything set on this page (goals, income, events, strategy, glide path and
            models), as the live numbers, the what-if sliders and the live answers on <Link to="/app/plan">My plan</Link> do.
          </p>
        }
      />
    </>
  );
}

function Results({ summary, busy, error, today, stored }: {
  summary: SimulationSummary | null;
  busy: boolean;
  error: unknown;
  today: YearMonth;
  stored: boolean;
}) {
  const goals = summary ? goalLines(summary.goals ?? [], today) : [];
  return (
    <div className="columns">
      <section className="card" aria-labelledby="chance-heading" aria-busy={busy}>
        <h2 id="chance-heading">Chance of success with these details</h2>
        {busy && <p className="muted" role="status">Simulating…</p>}
        {error != null && (
          <p className="error" role="alert" data-testid="run-error">
            The saved plan could not be simulated: {errorText(error)}
          </p>
        )}
        {summary && (
          <>
            <p className="big" data-testid="details-success">
              {pct(summary.success_probability)} <span className="se">± {pct(summary.success_standard_error)}</span>
            </p>
            <p className="muted">
              Money lasting to the end of the plan on {summary.paths.toLocaleString('en-US')} paths (seed {summary.seed}: the same
              random numbers every run, so a change here is the plan’s change){stored ? '' : ', for the default plan: none is stored yet'}.
              Median wealth at the end: {money(summary.terminal_real_wealth.p50)} in today’s money.
            </p>
            {goals.length > 0 ? (
              <div className="table-wrap" tabIndex={0} role="region" aria-label="Goals’ chances">
                <table className="numbers" data-testid="goal-chances">
                  <caption>Each goal’s chance of being paid in full</caption>
                  <thead>
                    <tr><th scope="col">Goal</th><th scope="col">When</th><th scope="col">Priority</th><th scope="col">Paid in full</th></tr>
                  </thead>
                  <tbody>
                    {goals.map((g, i) => (
                      <tr key={i}>
                        <th scope="row">{g.name}</th>
                        <td>{g.when}</td>
                        <td>{g.priority}</td>
                        <td>{pct(g.probability)} ± {pct(g.standardError)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p className="muted">No goals yet: add them below.</p>
            )}
          </>
        )}
      </section>
      <section className="card" aria-labelledby="spending-heading" aria-busy={busy}>
        <h2 id="spending-heading">Spending by year in retirement</h2>
        {summary?.spending ? (
          <SpendingChart spending={summary.spending} />
        ) : (
          <p className="muted">
            {busy
              ? 'Simulating…'
              : 'Spending by year appears once something is set on this page (a goal, income, an event, a strategy, a glide path or a model) and the plan has a whole year of retirement.'}
          </p>
        )}
      </section>
    </div>
  );
}

/** The form of the stored plan's extensions; the parent keys it by the stored plan. */
function Editor({ plan, today, runError, notice, onSave }: {
  plan: PlanSpec | null;
  today: YearMonth;
  /** Why the saved plan could not be simulated: its messages go beside the controls too. */
  runError: unknown;
  notice: string | null;
  onSave: (e: PlanExtensions) => Promise<void>;
}) {
  const classes = classNames(plan);
  const spec = plan ?? DEFAULT_SPEC;
  const [form, setForm] = useState<PlanForm>(() => formOf(plan?.extensions, classes.length, today));
  const [refusal, setRefusal] = useState<Refusal>(NO_REFUSAL);
  const [saving, setSaving] = useState(false);
  const known = useMemo(() => knownFields(form), [form]);
  const fields = { ...placeRefusal(runError, known).fields, ...refusal.fields };
  const err = (field: string) => fields[field];

  const patch = (p: Partial<PlanForm>) => setForm((f) => ({ ...f, ...p }));
  const setItem = <K extends 'goals' | 'income' | 'events' | 'glide'>(key: K, i: number, p: Partial<PlanForm[K][number]>) =>
    setForm((f) => ({ ...f, [key]: (f[key] as PlanForm[K][number][]).map((r, j) => (j === i ? { ...r, ...p } : r)) }));
  const removeItem = (key: 'goals' | 'income' | 'events' | 'glide', i: number) => {
    setForm((f) => ({ ...f, [key]: (f[key] as unknown[]).filter((_, j) => j !== i) }));
    // The messages name items by their place, which has just changed for the ones after it.
    setRefusal(NO_REFUSAL);
  };
  const inYears = (years: number): When => ({ ...whenOf(years * 12, today), kind: 'years' });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const { extensions, errors } = extensionsOf(form, today);
    if (Object.keys(errors).length > 0) {
      setRefusal({ fields: errors, general: [] });
      return;
    }
    setSaving(true);
    setRefusal(NO_REFUSAL);
    try {
      await onSave(extensions);
    } catch (err) {
      setRefusal(placeRefusal(err, known));
    } finally {
      setSaving(false);
    }
  };

  const listError = (key: 'goals' | 'income' | 'events' | 'glide_path') =>
    err(fieldOf.list(key)) && <p className="error" role="alert">{err(fieldOf.list(key))}</p>;
  const s = form.strategy;
  const r = form.returns;
  const inf = form.inflation;
  const numberInput = (value: string, set: (v: string) => void, extra: Record<string, unknown> = {}) =>
    (a: object) => <input {...a} type="number" step="any" inputMode="decimal" value={value} onChange={(e) => set(e.target.value)} {...extra} />;

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Plan details">
      <section className="card" aria-labelledby="goals-heading">
        <h2 id="goals-heading">Goals</h2>
        <p className="hint">
          Paid in full in their month, in today’s money. A need is paid whatever it takes (the plan fails when it cannot be);
          a want only when the wealth left still covers the needs to come and a year of spending; a wish only when it covers
          twice that.
        </p>
        {listError('goals')}
        {form.goals.map((g: GoalRow, i) => (
          <fieldset key={i} className="item">
            <legend>Goal {i + 1}{g.name.trim() ? `: ${g.name.trim()}` : ''}</legend>
            <div className="grid-fields">
              <Field label="Name" error={err(fieldOf.goal(i, 'name'))}>
                {(a) => <input {...a} value={g.name} maxLength={60} onChange={(e) => setItem('goals', i, { name: e.target.value })} />}
              </Field>
              <Field label="Amount" error={err(fieldOf.goal(i, 'amount'))}>
                {numberInput(g.amount, (v) => setItem('goals', i, { amount: v }), { min: 0 })}
              </Field>
              <WhenFields label="When" when={g.when} today={today} error={err(fieldOf.goal(i, 'month'))} onChange={(when) => setItem('goals', i, { when })} />
              <Field label="Priority" error={err(fieldOf.goal(i, 'priority'))}>
                {(a) => (
                  <select {...a} value={g.priority} onChange={(e) => setItem('goals', i, { priority: e.target.value as GoalRow['priority'] })}>
                    {PRIORITIES.map((p) => <option key={p.kind} value={p.kind}>{p.label}</option>)}
                  </select>
                )}
              </Field>
            </div>
            <button type="button" className="secondary" onClick={() => removeItem('goals', i)}>Remove goal {i + 1}</button>
          </fieldset>
        ))}
        <div className="actions">
          <button type="button" className="secondary" disabled={form.goals.length >= 64}
            onClick={() => patch({ goals: [...form.goals, { name: '', amount: '', when: inYears(5), priority: 'want' }] })}>
            Add a goal
          </button>
        </div>
      </section>

      <section className="card" aria-labelledby="income-heading">
        <h2 id="income-heading">Income</h2>
        <p className="hint">Monthly income on top of savings: a pension, social security, rent, part-time work.</p>
        {listError('income')}
        {form.income.map((g: IncomeRow, i) => (
          <fieldset key={i} className="item">
            <legend>Income {i + 1}{g.name.trim() ? `: ${g.name.trim()}` : ''}</legend>
            <div className="grid-fields">
              <Field label="Name" error={err(fieldOf.income(i, 'name'))}>
                {(a) => <input {...a} value={g.name} maxLength={60} onChange={(e) => setItem('income', i, { name: e.target.value })} />}
              </Field>
              <Field label="Amount a month" error={err(fieldOf.income(i, 'monthly_amount'))}>
                {numberInput(g.amount, (v) => setItem('income', i, { amount: v }), { min: 0 })}
              </Field>
              <WhenFields label="Starts" when={g.start} today={today} error={err(fieldOf.income(i, 'start_month'))} onChange={(start) => setItem('income', i, { start })} />
              <WhenFields label="Ends" when={g.end} today={today} error={err(fieldOf.income(i, 'end_month'))} canEnd onChange={(end) => setItem('income', i, { end })} />
              <Field label="Cost-of-living adjustment" error={err(fieldOf.income(i, 'cola'))}>
                {(a) => (
                  <select {...a} value={g.cola} onChange={(e) => setItem('income', i, { cola: e.target.value as IncomeRow['cola'] })}>
                    {COLAS.map((c) => <option key={c.kind} value={c.kind}>{c.label}</option>)}
                  </select>
                )}
              </Field>
              {g.cola === 'fixed' && (
                <Field label="Rate a year (0.02 = 2%)" error={err(fieldOf.income(i, 'cola_rate'))}>
                  {numberInput(g.colaRate, (v) => setItem('income', i, { colaRate: v }))}
                </Field>
              )}
            </div>
            <button type="button" className="secondary" onClick={() => removeItem('income', i)}>Remove income {i + 1}</button>
          </fieldset>
        ))}
        <div className="actions">
          <button type="button" className="secondary" disabled={form.income.length >= 100}
            onClick={() => patch({ income: [...form.income, { name: '', amount: '', start: whenOf(spec.retirement_month, today), end: whenOf(null, today), cola: 'inflation', colaRate: '' }] })}>
            Add income
          </button>
        </div>
      </section>

      <section className="card" aria-labelledby="events-heading">
        <h2 id="events-heading">One-off events</h2>
        <p className="hint">Money in (an inheritance, selling a house) or out (a new roof): out is a negative amount.</p>
        {listError('events')}
        {form.events.map((g: EventRow, i) => (
          <fieldset key={i} className="item">
            <legend>Event {i + 1}{g.name.trim() ? `: ${g.name.trim()}` : ''}</legend>
            <div className="grid-fields">
              <Field label="Name" error={err(fieldOf.event(i, 'name'))}>
                {(a) => <input {...a} value={g.name} maxLength={60} onChange={(e) => setItem('events', i, { name: e.target.value })} />}
              </Field>
              <Field label="Amount (negative: out)" error={err(fieldOf.event(i, 'amount'))}>
                {numberInput(g.amount, (v) => setItem('events', i, { amount: v }))}
              </Field>
              <WhenFields label="When" when={g.when} today={today} error={err(fieldOf.event(i, 'month'))} onChange={(when) => setItem('events', i, { when })} />
            </div>
            <button type="button" className="secondary" onClick={() => removeItem('events', i)}>Remove event {i + 1}</button>
          </fieldset>
        ))}
        <div className="actions">
          <button type="button" className="secondary" disabled={form.events.length >= 100}
            onClick={() => patch({ events: [...form.events, { name: '', amount: '', when: inYears(10) }] })}>
            Add an event
          </button>
        </div>
      </section>

      <section className="card" aria-labelledby="strategy-heading">
        <h2 id="strategy-heading">Withdrawal strategy</h2>
        <p className="hint">How retirement spending is set: decided once a year, on each anniversary of retirement, and taken monthly.</p>
        <div className="grid-fields">
          <Field label="Strategy" className="choice" error={err(fieldOf.strategy)}>
            {(a) => (
              <select {...a} value={s.kind} onChange={(e) => patch({ strategy: { ...s, kind: e.target.value as typeof s.kind } })}>
                {STRATEGIES.map((o) => <option key={o.kind} value={o.kind}>{o.label}</option>)}
              </select>
            )}
          </Field>
          {(s.kind === 'constant_percentage' || s.kind === 'floor_ceiling') && (
            <Field label="Share of wealth a year (0.04 = 4%)" error={err(fieldOf.strategyParam('annual_rate'))}>
              {numberInput(s.annualRate, (v) => patch({ strategy: { ...s, annualRate: v } }))}
            </Field>
          )}
          {s.kind === 'vpw' && (
            <Field label="Real return assumed (0.035 = 3.5%)" error={err(fieldOf.strategyParam('real_return'))}>
              {numberInput(s.realReturn, (v) => patch({ strategy: { ...s, realReturn: v } }))}
            </Field>
          )}
          {s.kind === 'guyton_klinger' && (
            <>
              <Field label="Guardrail (0.2 = 20%)" error={err(fieldOf.strategyParam('guardrail'))}
                hint="How far the withdrawal rate may move from its start before spending changes">
                {numberInput(s.guardrail, (v) => patch({ strategy: { ...s, guardrail: v } }))}
              </Field>
              <Field label="Adjustment (0.1 = 10%)" error={err(fieldOf.strategyParam('adjustment'))} hint="How much spending changes then">
                {numberInput(s.adjustment, (v) => patch({ strategy: { ...s, adjustment: v } }))}
              </Field>
              <Field label="No cuts in the last … years" error={err(fieldOf.strategyParam('protected_final_years'))}>
                {numberInput(s.protectedYears, (v) => patch({ strategy: { ...s, protectedYears: v } }), { min: 0, step: 1 })}
              </Field>
            </>
          )}
          {s.kind === 'floor_ceiling' && (
            <>
              <Field label="Floor (× the plan’s spending)" error={err(fieldOf.strategyParam('floor'))}>
                {numberInput(s.floor, (v) => patch({ strategy: { ...s, floor: v } }), { min: 0 })}
              </Field>
              <Field label="Ceiling (× the plan’s spending)" error={err(fieldOf.strategyParam('ceiling'))}>
                {numberInput(s.ceiling, (v) => patch({ strategy: { ...s, ceiling: v } }), { min: 0 })}
              </Field>
            </>
          )}
          <Field label="Spending floor a month" error={err(fieldOf.spendingFloor)}
            hint={`A retirement year below twelve times this counts as lean; empty: the plan’s spending (${money(spec.monthly_spending)})`}>
            {numberInput(form.spendingFloor, (v) => patch({ spendingFloor: v }), { min: 0 })}
          </Field>
        </div>
      </section>

      <section className="card" aria-labelledby="glide-heading">
        <h2 id="glide-heading">Glide path</h2>
        <p className="hint">
          Target weights of the asset classes ({classes.join(', ')}) over time, straight lines between points; without points,
          the plan’s weights throughout. Each point’s weights sum to 1.
        </p>
        {listError('glide_path')}
        {form.glide.map((g: GlideRow, i) => (
          <fieldset key={i} className="item">
            <legend>Point {i + 1}</legend>
            <div className="grid-fields">
              <WhenFields label="Reached" when={g.when} today={today} error={err(fieldOf.glide(i, 'month'))} onChange={(when) => setItem('glide', i, { when })} />
              {classes.map((name, k) => (
                <Field key={k} label={`${name} weight`} error={err(fieldOf.glideWeight(i, k))}>
                  {numberInput(g.weights[k] ?? '', (v) => setItem('glide', i, { weights: g.weights.map((w, j) => (j === k ? v : w)) }), { min: 0, max: 1 })}
                </Field>
              ))}
            </div>
            {err(fieldOf.glide(i, 'weights')) && <p className="error" role="alert">Weights: {err(fieldOf.glide(i, 'weights'))}</p>}
            <button type="button" className="secondary" onClick={() => removeItem('glide', i)}>Remove point {i + 1}</button>
          </fieldset>
        ))}
        <div className="actions">
          <button type="button" className="secondary" disabled={form.glide.length >= 100}
            onClick={() => {
              const last = form.glide.at(-1);
              const lastMonth = last ? monthOf(last.when, today).month : undefined;
              const when = form.glide.length === 0 ? inYears(0) : { ...whenOf((lastMonth ?? 0) + 120, today), kind: 'years' as const };
              patch({ glide: [...form.glide, { when, weights: planWeights(plan).map(String) }] });
            }}>
            Add a point
          </button>
        </div>
      </section>

      <section className="card" aria-labelledby="models-heading">
        <h2 id="models-heading">Return and inflation models</h2>
        <div className="grid-fields">
          <Field label="Return model" className="choice" error={err(fieldOf.returns) ?? err(fieldOf.returnParam('history'))}>
            {(a) => (
              <select {...a} value={r.kind} onChange={(e) => patch({ returns: { ...r, kind: e.target.value as typeof r.kind } })}>
                {RETURN_MODELS.map((o) => <option key={o.kind} value={o.kind}>{o.label}</option>)}
              </select>
            )}
          </Field>
          {r.kind === 'student_t' && (
            <Field label="Degrees of freedom (above 2)" error={err(fieldOf.returnParam('df'))} hint="Lower: fatter tails; empty: 5">
              {numberInput(r.df, (v) => patch({ returns: { ...r, df: v } }))}
            </Field>
          )}
          {r.kind === 'bootstrap' && (
            <Field label="Block length (months)" error={err(fieldOf.returnParam('block_months'))} hint="Consecutive months drawn together; empty: 12">
              {numberInput(r.blockMonths, (v) => patch({ returns: { ...r, blockMonths: v } }), { min: 1, step: 1 })}
            </Field>
          )}
          {r.kind === 'regime_switching' && (
            <>
              <Field label="Calm to stressed (chance a month)" error={err(fieldOf.returnParam('to_stressed'))} hint="Empty: Hardy (2001), 0.0371">
                {numberInput(r.toStressed, (v) => patch({ returns: { ...r, toStressed: v } }), { min: 0, max: 1 })}
              </Field>
              <Field label="Stressed to calm (chance a month)" error={err(fieldOf.returnParam('to_calm'))} hint="Empty: Hardy (2001), 0.2101">
                {numberInput(r.toCalm, (v) => patch({ returns: { ...r, toCalm: v } }), { min: 0, max: 1 })}
              </Field>
              <Field label="Calm drift shift (standard deviations)" error={err(fieldOf.returnParam('calm.drift_shift'))} hint="Empty: Hardy’s, standardised">
                {numberInput(r.calmDrift, (v) => patch({ returns: { ...r, calmDrift: v } }))}
              </Field>
              <Field label="Calm volatility multiplier" error={err(fieldOf.returnParam('calm.volatility_multiplier'))}>
                {numberInput(r.calmVol, (v) => patch({ returns: { ...r, calmVol: v } }), { min: 0 })}
              </Field>
              <Field label="Stressed drift shift (standard deviations)" error={err(fieldOf.returnParam('stressed.drift_shift'))}>
                {numberInput(r.stressedDrift, (v) => patch({ returns: { ...r, stressedDrift: v } }))}
              </Field>
              <Field label="Stressed volatility multiplier" error={err(fieldOf.returnParam('stressed.volatility_multiplier'))}>
                {numberInput(r.stressedVol, (v) => patch({ returns: { ...r, stressedVol: v } }), { min: 0 })}
              </Field>
            </>
          )}
          <Field label="Inflation model" className="choice" error={err(fieldOf.inflation)}>
            {(a) => (
              <select {...a} value={inf.kind} onChange={(e) => patch({ inflation: { ...inf, kind: e.target.value as typeof inf.kind } })}>
                {INFLATION_MODELS.map((o) => <option key={o.kind} value={o.kind}>{o.label}</option>)}
              </select>
            )}
          </Field>
          {inf.kind === 'stochastic' && (
            <>
              <Field label="Inflation volatility a year" error={err(fieldOf.inflationParam('volatility'))} hint={`Around the plan’s ${pct(spec.annual_inflation ?? 0.025)}`}>
                {numberInput(inf.volatility, (v) => patch({ inflation: { ...inf, volatility: v } }), { min: 0, max: 0.5 })}
              </Field>
              <Field label="Persistence a month (0 to below 1)" error={err(fieldOf.inflationParam('persistence'))}>
                {numberInput(inf.persistence, (v) => patch({ inflation: { ...inf, persistence: v } }), { min: 0, max: 1 })}
              </Field>
              <Field label="Correlation with the first class" error={err(fieldOf.inflationParam('correlation'))}>
                {numberInput(inf.correlation, (v) => patch({ inflation: { ...inf, correlation: v } }), { min: -1, max: 1 })}
              </Field>
            </>
          )}
        </div>
        {r.kind === 'bootstrap' && (
          <p className="hint" data-testid="bootstrap-source">
            {r.history ? (
              <>
                Drawn from the {r.history.length} months of returns stored with the plan.{' '}
                <button type="button" className="link" onClick={() => patch({ returns: { ...r, history: null } })}>
                  Use my holdings’ history instead
                </button>
              </>
            ) : (
              'Drawn from your holdings’ price history: each class’s holdings as a basket, month-end closes (holdings without prices cannot be used).'
            )}
          </p>
        )}
      </section>

      <div className="card save-bar">
        <div className="actions">
          <button type="submit" disabled={saving}>{saving ? 'Saving…' : 'Save plan details'}</button>
          <span className="hint">Saves the whole plan: these details with your plan’s other inputs as they are.</span>
        </div>
        {refusal.general.length > 0 && (
          <div className="error" role="alert" data-testid="save-error">
            {refusal.general.map((m) => <p key={m}>{m}</p>)}
          </div>
        )}
        {Object.keys(refusal.fields).length > 0 && refusal.general.length === 0 && (
          <p className="error" role="alert" data-testid="save-error">Not saved: see the messages beside the fields above.</p>
        )}
        {notice && Object.keys(refusal.fields).length === 0 && refusal.general.length === 0 && (
          <p className="ok" role="status" data-testid="save-notice">{notice}</p>
        )}
      </div>
    </form>
  );
}

/**
 * A month as years from now, a calendar month, or (for an income's end) the end of the plan:
 * the choice and its value, the server's message beside the value.
 */
function WhenFields({ label, when, today, error, canEnd, onChange }: {
  label: string;
  when: When;
  today: YearMonth;
  error: string | undefined;
  canEnd?: boolean;
  onChange: (w: When) => void;
}) {
  const resolved = monthOf(when, today);
  const hint = resolved.month !== undefined ? whenText(resolved.month, today) : undefined;
  const choose = (kind: When['kind']) => {
    // The other way of typing it starts at the same month.
    const m = resolved.month;
    if (kind === 'end' || m === undefined) onChange({ ...when, kind });
    else onChange({ ...whenOf(m, today), kind });
  };
  return (
    <>
      <Field label={label}>
        {(a) => (
          <select {...a} value={when.kind} onChange={(e) => choose(e.target.value as When['kind'])}>
            <option value="years">in years from now</option>
            <option value="date">in a calendar month</option>
            {canEnd && <option value="end">at the end of the plan</option>}
          </select>
        )}
      </Field>
      {when.kind === 'years' && (
        <Field label={`${label} (years from now)`} error={error} hint={hint}>
          {(a) => <input {...a} type="number" step="any" min={0} inputMode="decimal" value={when.years} onChange={(e) => onChange({ ...when, years: e.target.value })} />}
        </Field>
      )}
      {when.kind === 'date' && (
        <Field label={`${label} (month)`} error={error} hint={hint}>
          {(a) => <input {...a} type="month" min={monthToDate(0, today)} value={when.date} onChange={(e) => onChange({ ...when, date: e.target.value })} />}
        </Field>
      )}
    </>
  );
}

/** `POST /simulations/compare-models` for the stored plan, on the results' paths and seed. */
function Comparison({ api }: { api: Api }) {
  const [result, setResult] = useState<CompareModelsResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const compare = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await api.compareModels({ paths: PATHS, seed: SEED }));
    } catch (e) {
      setResult(null);
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const rows = result ? modelRows(result) : [];
  return (
    <section className="card" aria-labelledby="compare-heading" aria-busy={busy}>
      <h2 id="compare-heading">The plan under other models</h2>
      <p className="hint">
        The saved plan under each return model and with stochastic inflation, on the same random numbers, its other details
        (goals, income, strategy, glide path) as they are.
      </p>
      <div className="actions">
        <button type="button" onClick={() => void compare()} disabled={busy}>{busy ? 'Comparing…' : 'Compare models'}</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {result && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Models side by side">
          <table className="numbers" data-testid="model-comparison">
            <caption>{result.paths.toLocaleString('en-US')} paths per model, seed {result.seed}</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Success</th>
                <th scope="col">Median wealth at the end</th>
                <th scope="col">Goals paid in full</th>
                <th scope="col">Lean years</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((m) => (
                <tr key={m.model} data-model={m.model}>
                  <th scope="row">
                    {m.label}
                    <span className="model-description">{m.description}</span>
                  </th>
                  {m.unavailable !== undefined ? (
                    <td colSpan={4} className="reason">Not available: {m.unavailable}</td>
                  ) : (
                    <>
                      <td>{pct(m.success)} ± {pct(m.standardError)}</td>
                      <td>{money(m.medianWealth)}</td>
                      <td className="reason">{m.goals.length > 0 ? m.goals.map((g) => `${g.name} ${pct(g.probability)}`).join(', ') : '—'}</td>
                      <td>{m.leanYears === undefined ? '—' : pct(m.leanYears)}</td>
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
}
