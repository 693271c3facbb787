import { useCallback, useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import type { Api } from '../api/api';
import type { FrontierResponse, OptimizeResponse, RebalanceResponse } from '../api/types';
import { useApp } from '../app/context';
import { Link } from '../app/router';
import { Field } from '../components/Field';
import { FrontierChart } from '../components/FrontierChart';
import { money, pct, price, quantity, signedPts } from '../components/format';
import { Performance } from '../components/Performance';
import { PlanActions } from '../components/PlanActions';
import { useAsync } from '../components/useAsync';
import { useLive } from '../live/useLive';
import {
  allocationRows,
  bandStatus,
  CONTROL_FIELDS,
  COVARIANCES,
  currentWeights,
  DEFAULT_CONTROLS,
  estimateFields,
  fromPercent,
  objectiveOf,
  OBJECTIVES,
  planFailure,
  refusalOf,
  targetWeights,
  type Controls,
  type Refusal,
} from '../portfolio/model';

/** Portfolios on the frontier chart. */
export const FRONTIER_POINTS = 40;

interface Outcome {
  controls: Controls;
  frontier: FrontierResponse | null;
  optimum: OptimizeResponse | null;
  refusal: Refusal;
}

/** Client-side checks of what the server needs a number for (the rest it checks itself). */
function missing(c: Controls): Record<string, string> {
  const out: Record<string, string> = {};
  const need = (key: keyof typeof CONTROL_FIELDS, text: string) => {
    const v = fromPercent(text);
    if (v === undefined || !Number.isFinite(v)) out[CONTROL_FIELDS[key]] = 'enter a percentage';
  };
  if (c.objective === 'efficient_return') need('targetReturn', c.targetReturn);
  if (c.objective === 'efficient_risk') need('targetVolatility', c.targetVolatility);
  if (c.objective === 'min_cvar') need('cvarLevel', c.cvarLevel);
  if (c.riskFree.trim() !== '' && !Number.isFinite(Number(c.riskFree))) out[CONTROL_FIELDS.riskFree] = 'enter a percentage';
  return out;
}

const KNOWN_FIELDS = Object.values(CONTROL_FIELDS);

/**
 * The signed-in user's portfolio: the efficient frontier over their holdings' symbols with
 * the current portfolio and the chosen optimum, the suggested allocation and the trades to
 * reach it, performance, the live band status, and the two planning actions.
 */
export default function PortfolioPage() {
  const { api, stream } = useApp();
  const live = useLive(stream, undefined, false);
  const valuation = useAsync(() => api.allocations(), api);
  const [controls, setControls] = useState<Controls>(DEFAULT_CONTROLS);
  const [asked, setAsked] = useState<Controls>(DEFAULT_CONTROLS);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const busy = outcome?.controls !== asked;
  const reloadValuation = valuation.reload;

  useEffect(() => {
    let active = true;
    const c = asked;
    const local = missing(c);
    const settle = (o: Omit<Outcome, 'controls'>) => active && setOutcome({ controls: c, ...o });
    if (Object.keys(local).length > 0) {
      queueMicrotask(() => settle({ frontier: null, optimum: null, refusal: { fields: local, general: [] } }));
      return () => {
        active = false;
      };
    }
    const shared = estimateFields(c);
    void Promise.allSettled([
      api.frontier({ ...shared, points: FRONTIER_POINTS }),
      api.optimize({ ...shared, objective: objectiveOf(c) }),
    ]).then(([f, o]) => {
      settle({
        frontier: f.status === 'fulfilled' ? f.value : null,
        optimum: o.status === 'fulfilled' ? o.value : null,
        refusal: refusalOf([f.status === 'rejected' ? f.reason : null, o.status === 'rejected' ? o.reason : null], KNOWN_FIELDS),
      });
      reloadValuation();
    });
    return () => {
      active = false;
    };
  }, [api, asked, reloadValuation]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setAsked({ ...controls });
  };
  const set = <K extends keyof Controls>(key: K, value: Controls[K]) => setControls((c) => ({ ...c, [key]: value }));

  const refusal = outcome?.refusal ?? { fields: {}, general: [] };
  const objectiveLabel = OBJECTIVES.find((o) => o.kind === outcome?.controls.objective)?.label ?? '';
  const current = useMemo(() => currentWeights(valuation.data?.holdings ?? []), [valuation.data]);
  const optimum = outcome?.optimum ?? null;
  const suggested = useMemo(() => (optimum ? targetWeights(optimum.weights) : null), [optimum]);
  const symbols = useMemo(() => [...new Set((valuation.data?.holdings ?? []).map((h) => h.symbol))].sort(), [valuation.data]);
  const band = live.state ? bandStatus(live.state.portfolio) : null;
  const applied = outcome?.controls ?? asked;
  // The price chart shows the estimates' window (without one chosen, the server's five years).
  const estimate = outcome?.frontier?.estimate ?? outcome?.optimum?.estimate;
  const rf = fromPercent(applied.riskFree);

  return (
    <>
      <h1>Portfolio</h1>
      <section className={`card band-status${band?.outside ? ' outside' : ''}`} aria-labelledby="band-heading">
        <h2 id="band-heading">Rebalancing band</h2>
        <p role="status" data-testid="band-status" data-outside={band ? String(band.outside) : undefined}>
          {band ? band.text : 'Waiting for the live portfolio…'}
        </p>
        {live.state && live.state.portfolio.total_value > 0 && (
          <p className="muted">
            Largest drift of an asset class from the plan’s weights: {pct(live.state.portfolio.max_abs_drift)}.
            {live.state.portfolio.unpriced.length > 0 && ` No price yet for ${live.state.portfolio.unpriced.join(', ')}.`}
          </p>
        )}
      </section>

      <section className="card" aria-labelledby="optimise-heading">
        <h2 id="optimise-heading">Optimise</h2>
        <p className="hint">
          Over the daily closes of the symbols you hold (<Link to="/app/plan">add holdings on your plan</Link>); without
          dates, the five years up to the last day all of them have a close.
        </p>
        <form onSubmit={submit} aria-label="Optimiser settings" noValidate>
          <div className="grid-fields">
            <Field label="Objective">
              {(a) => (
                <select {...a} value={controls.objective} onChange={(e) => set('objective', e.target.value as Controls['objective'])}>
                  {OBJECTIVES.map((o) => <option key={o.kind} value={o.kind}>{o.label}</option>)}
                </select>
              )}
            </Field>
            <Field label="Risk-free rate (%)" error={refusal.fields[CONTROL_FIELDS.riskFree]}>
              {(a) => <input {...a} type="number" step="any" value={controls.riskFree} onChange={(e) => set('riskFree', e.target.value)} />}
            </Field>
            {controls.objective === 'efficient_return' && (
              <Field label="Target return (%)" error={refusal.fields[CONTROL_FIELDS.targetReturn]}>
                {(a) => <input {...a} type="number" step="any" value={controls.targetReturn} onChange={(e) => set('targetReturn', e.target.value)} />}
              </Field>
            )}
            {controls.objective === 'efficient_risk' && (
              <Field label="Target volatility (%)" error={refusal.fields[CONTROL_FIELDS.targetVolatility]}>
                {(a) => <input {...a} type="number" step="any" value={controls.targetVolatility} onChange={(e) => set('targetVolatility', e.target.value)} />}
              </Field>
            )}
            {controls.objective === 'min_cvar' && (
              <Field label="CVaR confidence (%)" error={refusal.fields[CONTROL_FIELDS.cvarLevel]}>
                {(a) => <input {...a} type="number" step="any" value={controls.cvarLevel} onChange={(e) => set('cvarLevel', e.target.value)} />}
              </Field>
            )}
            <Field label="Covariance" error={refusal.fields[CONTROL_FIELDS.covariance]}>
              {(a) => (
                <select {...a} value={controls.covariance} onChange={(e) => set('covariance', e.target.value as Controls['covariance'])}>
                  {COVARIANCES.map((c) => <option key={c.method} value={c.method}>{c.label}</option>)}
                </select>
              )}
            </Field>
            <Field label="Window from" error={refusal.fields[CONTROL_FIELDS.from]}>
              {(a) => <input {...a} type="date" value={controls.from} onChange={(e) => set('from', e.target.value)} />}
            </Field>
            <Field label="Window to" error={refusal.fields[CONTROL_FIELDS.to]}>
              {(a) => <input {...a} type="date" value={controls.to} onChange={(e) => set('to', e.target.value)} />}
            </Field>
          </div>
          <div className="actions">
            <button type="submit" disabled={busy}>Optimise</button>
            {busy && <span className="muted" role="status">Computing…</span>}
          </div>
        </form>
        {refusal.general.length > 0 && (
          <div className="error" role="alert" data-testid="optimise-error">
            {refusal.general.map((m) => <p key={m}>{m}</p>)}
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="frontier-heading" aria-busy={busy}>
        <h2 id="frontier-heading">Efficient frontier</h2>
        {outcome?.frontier ? (
          <>
            <p className="muted" data-testid="estimate">
              {outcome.frontier.estimate.symbols.join(', ')}: {outcome.frontier.estimate.days.toLocaleString('en-US')} days with a
              close for every symbol, {outcome.frontier.estimate.from} to {outcome.frontier.estimate.to};{' '}
              {COVARIANCES.find((c) => c.method === outcome.frontier?.estimate.covariance)?.label.toLowerCase()} covariance
              {outcome.frontier.estimate.shrinkage != null && ` (shrinkage ${outcome.frontier.estimate.shrinkage.toFixed(2)})`}.
            </p>
            <FrontierChart frontier={outcome.frontier} optimum={outcome.optimum} optimumLabel={objectiveLabel} />
          </>
        ) : (
          <p className="muted">{busy ? 'Computing the frontier…' : 'No frontier: see the message above.'}</p>
        )}
      </section>

      <Allocation api={api} current={current} suggested={suggested} optimum={outcome?.optimum ?? null} objectiveLabel={objectiveLabel} busy={busy} />
      <Trades api={api} targets={suggested} />
      <Performance
        api={api}
        window={{ from: applied.from || undefined, to: applied.to || undefined, risk_free_rate: rf }}
        prices={{ from: applied.from || estimate?.from, to: applied.to || estimate?.to, symbols: outcome ? symbols : [] }}
      />
      <PlanActions api={api} settings={applied} />
    </>
  );
}

function Allocation({ api, current, suggested, optimum, objectiveLabel, busy }: {
  api: Api;
  current: Record<string, number>;
  suggested: Record<string, number> | null;
  optimum: OptimizeResponse | null;
  objectiveLabel: string;
  busy: boolean;
}) {
  const [applied, setApplied] = useState<{ text: string; ok: boolean } | null>(null);
  const [applying, setApplying] = useState(false);
  const table = suggested ? allocationRows(current, suggested) : null;
  const apply = useCallback(async () => {
    if (!suggested) return;
    setApplying(true);
    setApplied(null);
    try {
      const r = await api.applyAllocation({ weights: suggested });
      setApplied({ ok: true, text: `Your plan’s class weights are now ${r.class_weights.map((c) => `${c.name} ${pct(c.weight)}`).join(', ')}; the live plan is simulated again with them.` });
    } catch (e) {
      setApplied({ ok: false, text: planFailure(e, 'This server cannot set the plan’s weights from an allocation yet.') });
    } finally {
      setApplying(false);
    }
  }, [api, suggested]);

  return (
    <section className="card" aria-labelledby="allocation-heading" aria-busy={busy}>
      <h2 id="allocation-heading">Suggested allocation</h2>
      {table && optimum ? (
        <>
          <p className="muted">
            {objectiveLabel}: {pct(optimum.expected_return)} expected return, {pct(optimum.volatility)} volatility, Sharpe{' '}
            {optimum.sharpe.toFixed(2)}
            {optimum.status !== 'optimal' && ` (solver status: ${optimum.status})`}.
          </p>
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Suggested allocation table">
            <table className="numbers" data-testid="allocation">
              <caption className="visually-hidden">Current and suggested weight per symbol</caption>
              <thead>
                <tr><th scope="col">Symbol</th><th scope="col">Current weight</th><th scope="col">Suggested weight</th><th scope="col">Change</th></tr>
              </thead>
              <tbody>
                {table.rows.map((r) => (
                  <tr key={r.symbol}>
                    <th scope="row">{r.symbol}</th>
                    <td>{pct(r.current)}</td>
                    <td>{pct(r.suggested)}</td>
                    <td>{signedPts(r.change)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr data-testid="allocation-total">
                  <th scope="row">Total</th>
                  <td>{pct(table.total.current)}</td>
                  <td>{pct(table.total.suggested)}</td>
                  <td />
                </tr>
              </tfoot>
            </table>
          </div>
          <div className="actions">
            <button type="button" onClick={() => void apply()} disabled={applying}>Apply this allocation</button>
            <span className="hint">Sets your plan’s asset-class weights from these (each symbol counts towards its holding’s class).</span>
          </div>
          {applied && <p className={applied.ok ? 'ok' : 'error'} role={applied.ok ? 'status' : 'alert'} data-testid="applied">{applied.text}</p>}
        </>
      ) : (
        <p className="muted">{busy ? 'Optimising…' : 'No suggestion: see the message above.'}</p>
      )}
    </section>
  );
}

const REBALANCE_FIELDS = ['band', 'cash'] as const;

function Trades({ api, targets }: { api: Api; targets: Record<string, number> | null }) {
  const id = useId();
  const [band, setBand] = useState('');
  const [cash, setCash] = useState('');
  const [whole, setWhole] = useState(false);
  const [asked, setAsked] = useState({ band: '', cash: '', whole: false });
  const [result, setResult] = useState<{ key: unknown; data: RebalanceResponse | null; refusal: Refusal | null } | null>(null);
  const key = useMemo(() => ({ targets, asked }), [targets, asked]);

  useEffect(() => {
    if (!targets || Object.keys(targets).length === 0) return;
    let live = true;
    const bandValue = fromPercent(asked.band);
    const cashValue = asked.cash.trim() === '' ? undefined : Number(asked.cash);
    api
      .rebalance({
        targets,
        ...(bandValue === undefined ? {} : { band: bandValue }),
        ...(cashValue === undefined ? {} : { cash: cashValue }),
        shares: asked.whole ? 'whole' : 'fractional',
      })
      .then(
        (data) => live && setResult({ key, data, refusal: null }),
        (e: unknown) => live && setResult({ key, data: null, refusal: refusalOf([e], REBALANCE_FIELDS) }),
      );
    return () => {
      live = false;
    };
  }, [api, targets, asked, key]);

  const busy = !!targets && result?.key !== key;
  const data = result?.key === key ? result.data : null;
  const refusal = result?.key === key ? result.refusal : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setAsked({ band, cash, whole });
  };

  return (
    <section className="card" aria-labelledby="trades-heading" aria-busy={busy}>
      <h2 id="trades-heading">Trades to the suggested allocation</h2>
      <form className="inline-form" onSubmit={submit} aria-label="Rebalance settings" noValidate>
        <Field label="Band (%, empty: the plan’s)" error={refusal?.fields.band}>
          {(a) => <input {...a} type="number" step="any" value={band} onChange={(e) => setBand(e.target.value)} />}
        </Field>
        <Field label="New cash to invest" error={refusal?.fields.cash}>
          {(a) => <input {...a} type="number" step="any" value={cash} onChange={(e) => setCash(e.target.value)} />}
        </Field>
        <label className="check" htmlFor={`${id}-whole`}>
          <input id={`${id}-whole`} type="checkbox" checked={whole} onChange={(e) => setWhole(e.target.checked)} /> Whole shares
        </label>
        <button type="submit" disabled={!targets}>Update trades</button>
      </form>
      {refusal && refusal.general.length > 0 && <p className="error" role="alert">{refusal.general.join(' ')}</p>}
      {!targets && <p className="muted">The trades follow the suggested allocation.</p>}
      {data && (
        <>
          <p className="muted" data-testid="rebalance-summary">
            Band {pct(data.band)}: {data.outside_band_before ? 'outside it now' : 'inside it now'} (largest drift {pct(data.max_abs_drift_before)}),{' '}
            {data.outside_band_after ? 'still outside' : 'inside'} after the trades (largest drift {pct(data.max_abs_drift_after)})
            {data.cash_left > 0.005 && `; ${money(data.cash_left)} of cash left`}.
          </p>
          {data.trades.length === 0 ? (
            <p data-testid="no-trades">No trades: nothing is outside the band, and there is no new cash to invest.</p>
          ) : (
            <div className="table-wrap" tabIndex={0} role="region" aria-label="Trade list">
              <table className="numbers" data-testid="trades">
                <caption className="visually-hidden">Trades, sells first</caption>
                <thead>
                  <tr><th scope="col">Symbol</th><th scope="col">Side</th><th scope="col">Shares</th><th scope="col">Price</th><th scope="col">Amount</th><th scope="col">Reason</th></tr>
                </thead>
                <tbody>
                  {data.trades.map((t, i) => (
                    <tr key={`${t.symbol}-${i}`}>
                      <th scope="row">{t.symbol}</th>
                      <td className={t.side === 'sell' ? 'bad' : 'good'}>{t.side === 'sell' ? 'Sell' : 'Buy'}</td>
                      <td>{quantity(t.shares)}</td>
                      <td>{price(t.price)}</td>
                      <td>{money(t.value)}</td>
                      <td className="reason">{t.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <details>
            <summary>Weights and drift after the trades</summary>
            <div className="table-wrap" tabIndex={0} role="region" aria-label="Weights after the trades">
              <table className="numbers" data-testid="positions">
                <caption className="visually-hidden">Weight per symbol before and after the trades</caption>
                <thead>
                  <tr><th scope="col">Symbol</th><th scope="col">Target</th><th scope="col">Before</th><th scope="col">After</th><th scope="col">Drift after</th></tr>
                </thead>
                <tbody>
                  {data.positions.map((p) => (
                    <tr key={p.symbol}>
                      <th scope="row">{p.symbol}</th>
                      <td>{pct(p.target)}</td>
                      <td>{pct(p.weight_before)}</td>
                      <td>{pct(p.weight_after)}</td>
                      <td>{signedPts(p.drift_after)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </section>
  );
}
