import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import type { FanChartPoint } from '../live/wire';
import { axisNumber, money } from './format';
import { useUplot } from './useUplot';

const SERIES = ['p5', 'p25', 'p50', 'p75', 'p95'] as const;

function toData(points: FanChartPoint[]): uPlot.AlignedData {
  return [points.map((p) => p.year), ...SERIES.map((k) => points.map((p) => p.real_wealth[k]))];
}

/**
 * Yearly percentile bands of real wealth, drawn with uPlot (canvas; it styles its own
 * elements through the CSSOM only, which a `style-src 'self'` policy allows). The table
 * beside it carries the same numbers for screen readers and keyboard users.
 */
export function FanChart({ points, title = 'Wealth over time' }: { points: FanChartPoint[] | null | undefined; title?: string }) {
  const has = !!points && points.length > 0;
  // The table is built only while open: 60-odd rows on every update cost a frame's budget.
  const [tableOpen, setTableOpen] = useState(false);
  const band = 'rgba(11, 92, 173, 0.18)';
  const inner = 'rgba(11, 92, 173, 0.32)';
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useUplot(box, plot, has, 260, 6, () => ({
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false } },
    axes: [
      { label: 'Year', stroke: '#333' },
      { stroke: '#333', size: 70, values: (_u, vals) => vals.map(axisNumber) },
    ],
    series: [
      {},
      { label: '5th', stroke: 'transparent', points: { show: false } },
      { label: '25th', stroke: 'transparent', points: { show: false } },
      { label: 'Median', stroke: '#0b5cad', width: 2, points: { show: false } },
      { label: '75th', stroke: 'transparent', points: { show: false } },
      { label: '95th', stroke: 'transparent', points: { show: false } },
    ],
    bands: [
      { series: [5, 1], fill: band },
      { series: [4, 2], fill: inner },
    ],
  }), []);

  useEffect(() => {
    if (plot.current && points && points.length > 0) plot.current.setData(toData(points));
  }, [points]);

  return (
    <section className="card" aria-labelledby="fan-heading">
      <h2 id="fan-heading">{title}</h2>
      {has ? (
        <>
          <div ref={box} className="chart" role="img" aria-label="Fan chart of real wealth by year: percentile bands 5–95 and 25–75 around the median. The table below has the same numbers." />
          <details onToggle={(e) => setTableOpen(e.currentTarget.open)}>
            <summary>Fan chart as a table</summary>
            {tableOpen && (
            <div className="table-wrap" tabIndex={0} role="region" aria-label="Fan chart numbers">
              <table className="numbers">
                <caption>Real wealth by year (today’s money)</caption>
                <thead>
                  <tr><th scope="col">Year</th><th scope="col">5th</th><th scope="col">25th</th><th scope="col">Median</th><th scope="col">75th</th><th scope="col">95th</th></tr>
                </thead>
                <tbody>
                  {points.map((p) => (
                    <tr key={p.year}>
                      <th scope="row">{p.year}</th>
                      {SERIES.map((k) => <td key={k}>{money(p.real_wealth[k])}</td>)}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            )}
          </details>
        </>
      ) : (
        <p className="muted">The live fan chart appears with the next update.</p>
      )}
    </section>
  );
}

