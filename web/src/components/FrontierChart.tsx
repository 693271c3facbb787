import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import type { FrontierResponse, OptimizedPortfolio, RiskReturn } from '../api/types';
import { countPoints, FRONTIER_SERIES, frontierChartData } from '../portfolio/model';
import { pct } from './format';
import { useUplot } from './useUplot';

const COLOURS = { frontier: '#0b5cad', current: '#b35900', optimum: '#116b2f' } as const;
const LABELS = { current: 'Current portfolio', optimum: 'Chosen optimum' } as const;
const HEIGHT = 300;

interface Props {
  frontier: FrontierResponse | null;
  optimum: OptimizedPortfolio | null;
  /** What the optimum optimises, for its label ("Maximum Sharpe ratio"). */
  optimumLabel: string;
}

/** A marker series: one point, no line. */
const marker = (name: 'current' | 'optimum'): uPlot.Series => ({
  label: LABELS[name],
  stroke: COLOURS[name],
  fill: COLOURS[name],
  width: 0,
  paths: () => null,
  points: { show: true, size: 13, width: 2, stroke: '#fff', fill: COLOURS[name] },
});

const percentAxis = (_u: uPlot, vals: number[]) => vals.map((v) => `${(v * 100).toFixed(1)}%`);

/**
 * The efficient frontier (volatility across, expected return up) with the current portfolio
 * and the chosen optimum marked and labelled on the canvas; the legend and the table carry the
 * same numbers for screen readers. `data-points` and `data-markers` say what the chart holds.
 */
export function FrontierChart({ frontier, optimum, optimumLabel }: Props) {
  const has = !!frontier && frontier.points.length > 0;
  const [tableOpen, setTableOpen] = useState(false);
  const current: RiskReturn | null = frontier?.current ?? null;

  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useUplot(box, plot, has, HEIGHT, 4, () => ({
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false } },
    axes: [
      { label: 'Volatility (annual)', stroke: '#333', values: percentAxis },
      { label: 'Expected return (annual)', stroke: '#333', size: 60, values: percentAxis },
    ],
    series: [
      {},
      { label: 'Efficient frontier', stroke: COLOURS.frontier, width: 2, spanGaps: true, points: { show: true, size: 4, fill: COLOURS.frontier } },
      marker('current'),
      marker('optimum'),
    ],
    hooks: {
      // The markers' names beside them, on the canvas (no DOM styling: CSP-safe).
      draw: [
        (u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.font = `${Math.round(12 * devicePixelRatio)}px system-ui, sans-serif`;
          ctx.textBaseline = 'middle';
          for (const name of ['current', 'optimum'] as const) {
            const s = FRONTIER_SERIES.indexOf(name) + 1;
            const ys = u.data[s] ?? [];
            const i = ys.findIndex((v) => v != null);
            const x = u.data[0][i];
            const y = ys[i];
            if (i < 0 || x == null || y == null) continue;
            const px = u.valToPos(x, 'x', true);
            const py = u.valToPos(y, 'y', true);
            const text = LABELS[name];
            const w = ctx.measureText(text).width;
            const pad = 9 * devicePixelRatio;
            // The optimum sits on the frontier, which rises to the right: its name goes above
            // and to the left, where the curve is not. The current portfolio sits below the
            // curve: its name goes below and to the right. Either flips at the plot's edges.
            const optimum = name === 'optimum';
            let toLeft = optimum ? px - pad - w >= u.bbox.left : px + pad + w > u.bbox.left + u.bbox.width;
            if (!optimum && toLeft && px - pad - w < u.bbox.left) toLeft = false;
            const dy = (optimum ? -1 : 1) * 11 * devicePixelRatio;
            const ty = Math.min(u.bbox.top + u.bbox.height - pad, Math.max(u.bbox.top + pad, py + dy));
            ctx.textAlign = toLeft ? 'right' : 'left';
            ctx.fillStyle = COLOURS[name];
            ctx.fillText(text, toLeft ? px - pad : px + pad, ty);
          }
          ctx.restore();
        },
      ],
    },
  }), []);

  useEffect(() => {
    const u = plot.current;
    const el = box.current;
    if (!u || !el || !frontier) return;
    u.setData(frontierChartData(frontier.points, { current, optimum }));
    // What the canvas now shows, for tests and tools.
    el.dataset.points = String(countPoints(u.data[1]));
    el.dataset.markers = (['current', 'optimum'] as const).filter((n) => countPoints(u.data[FRONTIER_SERIES.indexOf(n) + 1]) > 0).join(' ');
  }, [frontier, current, optimum, has]);

  if (!has) return null;
  const maxSharpe = frontier.points[frontier.max_sharpe_index];
  return (
    <>
      <div
        ref={box}
        className="chart"
        data-testid="frontier-chart"
        role="img"
        aria-label={`Efficient frontier of ${frontier.points.length} portfolios, volatility across and expected return up, with the current portfolio and the chosen optimum marked. The legend and the table below have the numbers.`}
      />
      <ul className="legend" aria-label="Marked portfolios" data-testid="frontier-legend">
        <li><span className="swatch frontier" aria-hidden="true" /> Efficient frontier: {frontier.points.length} portfolios{maxSharpe && `, highest Sharpe ratio ${maxSharpe.sharpe.toFixed(2)} at ${pct(maxSharpe.volatility)} volatility`}</li>
        <li data-testid="marker-current">
          <span className="swatch current" aria-hidden="true" /> {LABELS.current}:{' '}
          {current ? `${pct(current.expected_return)} expected return, ${pct(current.volatility)} volatility, Sharpe ${current.sharpe.toFixed(2)}` : 'not on this chart (it holds something outside these symbols, or something unpriced)'}
        </li>
        <li data-testid="marker-optimum">
          <span className="swatch optimum" aria-hidden="true" /> {LABELS.optimum} ({optimumLabel}):{' '}
          {optimum ? `${pct(optimum.expected_return)} expected return, ${pct(optimum.volatility)} volatility, Sharpe ${optimum.sharpe.toFixed(2)}` : 'none (see the message above)'}
        </li>
      </ul>
      <details onToggle={(e) => setTableOpen(e.currentTarget.open)}>
        <summary>Frontier as a table</summary>
        {tableOpen && (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Frontier numbers">
            <table className="numbers" data-testid="frontier-table">
              <caption>Portfolios of the efficient frontier, by increasing expected return</caption>
              <thead>
                <tr><th scope="col">#</th><th scope="col">Expected return</th><th scope="col">Volatility</th><th scope="col">Sharpe</th><th scope="col">Largest weights</th></tr>
              </thead>
              <tbody>
                {frontier.points.map((p, i) => (
                  <tr key={i}>
                    <th scope="row">{i + 1}{i === frontier.max_sharpe_index ? ' (max Sharpe)' : ''}</th>
                    <td>{pct(p.expected_return)}</td>
                    <td>{pct(p.volatility)}</td>
                    <td>{p.sharpe.toFixed(2)}</td>
                    <td>{largest(p.weights)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </details>
    </>
  );
}

function largest(weights: Record<string, number>): string {
  return Object.entries(weights)
    .filter(([, w]) => w >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([s, w]) => `${s} ${pct(w, 0)}`)
    .join(', ');
}
