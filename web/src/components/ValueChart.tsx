import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { seriesData } from '../portfolio/model';

const HEIGHT = 240;

function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}B`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  return a >= 100 ? v.toFixed(0) : v.toFixed(2);
}

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
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const has = points.length > 0;

  useEffect(() => {
    const el = box.current;
    if (!el || !has) return;
    const u = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: HEIGHT,
        legend: { show: false },
        cursor: { show: false },
        // Days are UTC midnights: show them as such wherever the browser is.
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        axes: [{ stroke: '#333' }, { stroke: '#333', size: 64, values: (_u, vals) => vals.map(compact) }],
        series: [{}, { label, stroke: '#0b5cad', width: 2, points: { show: false } }],
      },
      [[], []],
      el,
    );
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(280, el.clientWidth), height: HEIGHT }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [has, label]);

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
