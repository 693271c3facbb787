import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { seriesData } from '../portfolio/model';
import { axisNumber } from './format';
import { useUplot } from './useUplot';

const HEIGHT = 240;

/**
 * A value by day (a portfolio's value, a symbol's closes) as a uPlot line on dates.
 * `data-points` says how many days the canvas holds.
 */
export function ValueChart({ points, label, description, testId }: {
  points: { date: string; value: number }[];
  label: string;
  /** The chart's text alternative. */
  description: string;
  testId?: string;
}) {
  const has = points.length > 0;
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useUplot(box, plot, has, HEIGHT, 2, () => ({
    legend: { show: false },
    cursor: { show: false },
    // Days are UTC midnights: show them as such wherever the browser is.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    axes: [{ stroke: '#333' }, { stroke: '#333', size: 64, values: (_u, vals) => vals.map(axisNumber) }],
    series: [{}, { label, stroke: '#0b5cad', width: 2, points: { show: false } }],
  }), [label]);

  useEffect(() => {
    const u = plot.current;
    const el = box.current;
    if (!u || !el || !has) return;
    u.setData(seriesData(points));
    el.dataset.points = String(u.data[0].length);
  }, [points, has, label]);

  if (!has) return null;
  return <div ref={box} className="chart" role="img" aria-label={description} data-testid={testId} />;
}
