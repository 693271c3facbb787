import { useState } from 'react';
import type { Api } from '../api/api';
import type { AssumptionsCovariance, DerivedAssumptions, PlanAssumptions } from '../api/types';
import type { Controls } from '../portfolio/model';
import { planFailure } from '../portfolio/model';
import { pct } from './format';

/** The covariance methods the assumptions endpoint takes. */
const DERIVABLE: readonly string[] = ['sample', 'ledoit_wolf'] satisfies AssumptionsCovariance[];

const NO_DERIVE = 'This server cannot derive plan assumptions from holdings yet.';

/**
 * "Use my portfolio as my plan's assumptions": `GET /planning/assumptions/derived` over the
 * page's window and covariance, the plan's current and derived asset-class assumptions side by
 * side, and Accept, which stores the returned plan unchanged (`PUT /planning/plan`).
 */
export function PlanActions({ api, settings }: { api: Api; settings: Controls }) {
  const [derived, setDerived] = useState<DerivedAssumptions | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const derive = async () => {
    setBusy(true);
    setMessage(null);
    setDerived(null);
    try {
      setDerived(
        await api.derivedAssumptions({
          from: settings.from || undefined,
          to: settings.to || undefined,
          covariance: DERIVABLE.includes(settings.covariance) ? (settings.covariance as AssumptionsCovariance) : undefined,
        }),
      );
    } catch (e) {
      setMessage({ ok: false, text: planFailure(e, NO_DERIVE) });
    } finally {
      setBusy(false);
    }
  };
  const accept = async () => {
    if (!derived) return;
    setBusy(true);
    try {
      await api.putPlan(derived.plan);
      setMessage({ ok: true, text: 'Saved: your plan now uses the assumptions derived from your portfolio; the live plan is simulated again with them.' });
      setDerived(null);
    } catch (e) {
      setMessage({ ok: false, text: planFailure(e, NO_DERIVE) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="assumptions-heading" aria-busy={busy}>
      <h2 id="assumptions-heading">Use my portfolio as my plan’s assumptions</h2>
      <p className="hint">
        Estimates each asset class’s return, volatility and correlations from the price history of the holdings in it,
        over the window and with the covariance chosen above; classes you hold nothing in keep their assumptions.
      </p>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void derive()} disabled={busy}>Derive assumptions</button>
      </div>
      {message && <p className={message.ok ? 'ok' : 'error'} role={message.ok ? 'status' : 'alert'} data-testid="assumptions-message">{message.text}</p>}
      {derived && (
        <>
          <p className="muted">
            From {derived.days.toLocaleString('en-US')} daily returns, {derived.from} to {derived.to}; correlations by{' '}
            {derived.covariance === 'ledoit_wolf' ? 'Ledoit–Wolf shrinkage' : 'the sample estimate'}
            {derived.shrinkage != null && ` (shrinkage ${derived.shrinkage.toFixed(2)})`}.
          </p>
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Current and derived assumptions">
            <table className="numbers" data-testid="assumptions">
              <caption>Annual return (μ) and volatility (σ) per asset class</caption>
              <thead>
                <tr>
                  <th scope="col">Class</th><th scope="col">Measured from</th>
                  <th scope="col">Current μ</th><th scope="col">Derived μ</th>
                  <th scope="col">Current σ</th><th scope="col">Derived σ</th>
                </tr>
              </thead>
              <tbody>
                {derived.classes.map((c) => {
                  const cur = derived.current.asset_classes.find((a) => a.name === c.name);
                  const der = derived.derived.asset_classes.find((a) => a.name === c.name);
                  return (
                    <tr key={c.name}>
                      <th scope="row">{c.name}</th>
                      <td>{c.derived ? c.symbols.join(', ') : 'kept (nothing held)'}</td>
                      <td>{pct(cur?.mu)}</td>
                      <td>{pct(der?.mu)}</td>
                      <td>{pct(cur?.sigma)}</td>
                      <td>{pct(der?.sigma)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <details>
            <summary>Correlations, current and derived</summary>
            <div className="columns">
              <Correlation title="Current" set={derived.current} />
              <Correlation title="Derived" set={derived.derived} />
            </div>
          </details>
          {derived.notes.length > 0 && <ul className="notes">{derived.notes.map((n) => <li key={n}>{n}</li>)}</ul>}
          <div className="actions">
            <button type="button" onClick={() => void accept()} disabled={busy}>Accept</button>
            <button type="button" className="secondary" onClick={() => setDerived(null)}>Discard</button>
          </div>
        </>
      )}
    </section>
  );
}

function Correlation({ title, set }: { title: string; set: PlanAssumptions }) {
  const names = set.asset_classes.map((a) => a.name);
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={`${title} correlations`}>
      <table className="numbers">
        <caption>{title}</caption>
        <thead>
          <tr><th scope="col">Class</th>{names.map((n) => <th key={n} scope="col">{n}</th>)}</tr>
        </thead>
        <tbody>
          {set.correlation.map((row, i) => (
            <tr key={names[i] ?? i}>
              <th scope="row">{names[i]}</th>
              {row.map((v, j) => <td key={j}>{v.toFixed(2)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
