import { useEffect, useId, useState, type FormEvent } from 'react';
import type { Api } from '../api/api';
import type { PerformanceResponse, PerformanceView, PriceHistory } from '../api/types';
import { refusalOf, type Refusal } from '../portfolio/model';
import { pct } from './format';
import { ValueChart } from './ValueChart';

interface Window {
  from?: string;
  to?: string;
  risk_free_rate?: number;
}

type Which = 'backtest' | 'recorded';
const NAMES: Record<Which, string> = { backtest: 'Back-test of today’s holdings', recorded: 'Recorded history' };

const ratio = (v: number | null | undefined) => (v == null || !Number.isFinite(v) ? '—' : v.toFixed(2));

const MEASURES: { name: string; value: (p: PerformanceView) => string }[] = [
  { name: 'Period', value: (p) => `${p.from} to ${p.to}` },
  { name: 'Time-weighted return (TWR)', value: (p) => pct(p.time_weighted_return) },
  { name: 'TWR, annualised', value: (p) => pct(p.time_weighted_return_annualised) },
  { name: 'Money-weighted return (XIRR, annual)', value: (p) => pct(p.money_weighted_return) },
  { name: 'Volatility (annual)', value: (p) => pct(p.volatility) },
  { name: 'Sharpe ratio', value: (p) => ratio(p.sharpe) },
  { name: 'Sortino ratio', value: (p) => ratio(p.sortino) },
  { name: 'Maximum drawdown', value: (p) => (p.max_drawdown ? `${pct(p.max_drawdown.depth)} (${p.max_drawdown.peak} to ${p.max_drawdown.trough})` : '—') },
];
const BENCHMARK_MEASURES: typeof MEASURES = [
  { name: 'Benchmark’s return', value: (p) => pct(p.benchmark_return) },
  { name: 'Beta', value: (p) => ratio(p.beta) },
  { name: 'Alpha (annual)', value: (p) => pct(p.alpha) },
];

/**
 * `GET /portfolio/performance` over the page's window: the value series (back-test or recorded)
 * as a chart, the headline measures of both side by side, beta and alpha against a benchmark;
 * and a held symbol's closes over the estimates' window (`GET /market/prices/{symbol}`).
 */
export function Performance({ api, window, prices }: {
  api: Api;
  window: Window;
  /** The price chart's symbols and window. */
  prices: { symbols: string[]; from?: string | undefined; to?: string | undefined };
}) {
  const [benchmark, setBenchmark] = useState('');
  const [asked, setAsked] = useState('');
  const [data, setData] = useState<PerformanceResponse | null>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(true);
  const [which, setWhich] = useState<Which | null>(null);
  const id = useId();
  const { from, to, risk_free_rate } = window;

  useEffect(() => {
    let live = true;
    api.performance({ from, to, risk_free_rate, benchmark: asked || undefined }).then(
      (d) => {
        if (!live) return;
        setData(d);
        setRefusal(null);
        setBusy(false);
      },
      (e: unknown) => {
        if (!live) return;
        setRefusal(refusalOf([e], ['benchmark']));
        setBusy(false);
      },
    );
    return () => {
      live = false;
    };
  }, [api, from, to, risk_free_rate, asked]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setAsked(benchmark.trim().toUpperCase());
  };

  const views = (['backtest', 'recorded'] as const).filter((w) => data?.[w]);
  const shown: Which | undefined = which && data?.[which] ? which : views[0];
  const series = shown ? data?.[shown]?.series ?? [] : [];
  const withBenchmark = !!data?.benchmark;
  const benchError = refusal?.fields.benchmark;

  return (
    <section className="card" aria-labelledby="performance-heading" aria-busy={busy}>
      <h2 id="performance-heading">Performance</h2>
      <p className="hint">
        Over the window chosen above, at its risk-free rate; without a window, the back-test holds today’s holdings
        through the last year of price history and the recorded history covers the last twelve months.
      </p>
      <form className="inline-form" onSubmit={submit} aria-label="Benchmark" noValidate>
        <label htmlFor={`${id}-bench`}>
          Benchmark symbol (optional)
          <input
            id={`${id}-bench`}
            value={benchmark}
            maxLength={16}
            placeholder="e.g. MSFT"
            aria-invalid={benchError ? true : undefined}
            aria-describedby={benchError ? `${id}-bench-error` : undefined}
            onChange={(e) => setBenchmark(e.target.value)}
          />
        </label>
        <button type="submit">Compare</button>
      </form>
      {benchError && <p id={`${id}-bench-error`} className="error" role="alert">{benchError}</p>}
      {refusal && refusal.general.length > 0 && <p className="error" role="alert">{refusal.general.join(' ')}</p>}

      {views.length > 1 && (
        <fieldset className="choice">
          <legend>Chart</legend>
          {views.map((w) => (
            <label key={w} className="radio">
              <input type="radio" name={`${id}-which`} checked={shown === w} onChange={() => setWhich(w)} /> {NAMES[w]}
            </label>
          ))}
        </fieldset>
      )}
      {shown && series.length > 0 ? (
        <>
          <h3>{NAMES[shown]}: value by day</h3>
          <ValueChart
            points={series}
            label={NAMES[shown]}
            testId="performance-chart"
            description={`${NAMES[shown]}: the portfolio's value by day from ${series[0]?.date ?? ''} to ${series[series.length - 1]?.date ?? ''}. The measures are in the table below.`}
          />
        </>
      ) : (
        !busy && <p className="muted">No value series to chart for this window.</p>
      )}

      {data && views.length > 0 && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Performance measures">
          <table className="numbers" data-testid="measures">
            <caption>Headline measures{withBenchmark ? ` against ${data.benchmark ?? ''}` : ''}</caption>
            <thead>
              <tr>
                <th scope="col">Measure</th>
                {views.map((w) => <th key={w} scope="col">{NAMES[w]}</th>)}
              </tr>
            </thead>
            <tbody>
              {[...MEASURES, ...(withBenchmark ? BENCHMARK_MEASURES : [])].map((m) => (
                <tr key={m.name}>
                  <th scope="row">{m.name}</th>
                  {views.map((w) => {
                    const v = data[w];
                    return <td key={w}>{v ? m.value(v) : '—'}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && data.notes.length > 0 && (
        <ul className="notes" data-testid="performance-notes">
          {data.notes.map((n) => <li key={n}>{n}</li>)}
        </ul>
      )}
      <PriceChart api={api} symbols={prices.symbols} from={prices.from} to={prices.to} />
    </section>
  );
}

/** A held symbol's daily closes over the window. */
function PriceChart({ api, symbols, from, to }: { api: Api; symbols: string[]; from?: string | undefined; to?: string | undefined }) {
  const [symbol, setSymbol] = useState('');
  const [history, setHistory] = useState<PriceHistory | null>(null);
  const [error, setError] = useState<string | null>(null);
  const chosen = symbol || symbols[0] || '';

  useEffect(() => {
    if (!chosen) return;
    let live = true;
    api.prices(chosen, from, to).then(
      (h) => {
        if (!live) return;
        setHistory(h);
        setError(null);
      },
      (e: unknown) => live && setError(refusalOf([e], []).general.join(' ')),
    );
    return () => {
      live = false;
    };
  }, [api, chosen, from, to]);

  if (symbols.length === 0) return null;
  const points = history?.symbol === chosen ? history.prices.map((p) => ({ date: p.date, value: p.close })) : [];
  return (
    <>
      <h3>Price history</h3>
      <label className="narrow">
        Symbol
        <select value={chosen} onChange={(e) => setSymbol(e.target.value)}>
          {symbols.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </label>
      {error && <p className="error" role="alert">{error}</p>}
      {points.length > 0 ? (
        <ValueChart
          points={points}
          label={`${chosen} close`}
          testId="price-chart"
          description={`Daily closes of ${chosen} from ${points[0]?.date ?? ''} to ${points[points.length - 1]?.date ?? ''}.`}
        />
      ) : (
        history?.symbol === chosen && <p className="muted">No stored closes of {chosen} in this window.</p>
      )}
    </>
  );
}
