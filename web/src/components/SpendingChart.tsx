import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import type { SpendingView } from '../api/types';
import { spendingChartData } from '../plan/model';
import { axisNumber, money, pct } from './format';
import { useUplot } from './useUplot';

const SERIES = ['p5', 'p25', 'p50', 'p75', 'p95'] as const;

/**
 * Retirement spending by year (today's money): percentile bands 5–95 and 25–75 around the
 * median, and the floor (twelve months of it) as a dashed line. A table carries the same numbers.
 */
export function SpendingChart({ spending }: { spending: SpendingView }) {
  const [tableOpen, setTableOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useUplot(box, plot, true, 260, 7, () => ({
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
      { label: 'Median', stroke: '#116b2f', width: 2, points: { show: false } },
      { label: '75th', stroke: 'transparent', points: { show: false } },
      { label: '95th', stroke: 'transparent', points: { show: false } },
      { label: 'Floor', stroke: '#a4161a', width: 1.5, dash: [6, 4], points: { show: false } },
    ],
    bands: [
      { series: [5, 1], fill: 'rgba(17, 107, 47, 0.16)' },
      { series: [4, 2], fill: 'rgba(17, 107, 47, 0.3)' },
    ],
  }), []);

  useEffect(() => {
    plot.current?.setData(spendingChartData(spending));
  }, [spending]);

  return (
    <>
      <div
        ref={box}
        className="chart"
        role="img"
        data-testid="spending-chart"
        data-years={spending.by_year.length}
        aria-label={`Spending per retirement year in today’s money: percentile bands 5–95 and 25–75 around the median, and the floor of ${money(12 * spending.floor)} a year as a dashed line. The table below has the same numbers.`}
      />
      <ul className="legend" aria-hidden="true">
        <li><span className="swatch spending" /> Median, with the middle half and 90% of paths shaded</li>
        <li><span className="swatch floor" /> Floor: {money(spending.floor)} a month ({money(12 * spending.floor)} a year)</li>
      </ul>
      <p data-testid="lean-years">
        {pct(spending.share_of_years_below_floor)} of retirement years are spent below the floor; {pct(spending.paths_with_a_year_below_floor)} of
        paths have at least one such year.
      </p>
      <details onToggle={(e) => setTableOpen(e.currentTarget.open)}>
        <summary>Spending by year as a table</summary>
        {tableOpen && (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Spending by year numbers">
            <table className="numbers" data-testid="spending-table">
              <caption>Spending per retirement year (today’s money)</caption>
              <thead>
                <tr><th scope="col">Year</th><th scope="col">5th</th><th scope="col">25th</th><th scope="col">Median</th><th scope="col">75th</th><th scope="col">95th</th></tr>
              </thead>
              <tbody>
                {spending.by_year.map((y) => (
                  <tr key={y.year}>
                    <th scope="row">{y.year}</th>
                    {SERIES.map((k) => <td key={k}>{money(y.real_spending[k])}</td>)}
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
