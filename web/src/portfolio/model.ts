/**
 * The portfolio page's logic that needs no browser: the frontier as chart series, the
 * suggested allocation beside the current one, the optimiser's weights as rebalance targets,
 * a refusal's field messages, and the controls' values as request fields.
 */
import { ApiProblem } from '../api/problem';
import type { CovarianceMethod, Objective } from '../api/types';
import type { LivePortfolio } from '../live/wire';

/** A point in risk and return (annual fractions). */
export interface RiskPoint {
  volatility: number;
  expected_return: number;
}

/** The series of the frontier chart, in this order after x. */
export const FRONTIER_SERIES = ['frontier', 'current', 'optimum'] as const;
export type FrontierSeries = (typeof FRONTIER_SERIES)[number];

/**
 * uPlot's aligned data for the frontier chart: x is volatility, ascending; one series per
 * entry of `FRONTIER_SERIES`, null where it has no point. The frontier's points keep their
 * own x (uPlot joins them with `spanGaps`), each marker gets an x of its own.
 */
export function frontierChartData(
  points: RiskPoint[],
  markers: Partial<Record<Exclude<FrontierSeries, 'frontier'>, RiskPoint | null | undefined>>,
): [number[], ...(number | null)[][]] {
  const entries: { x: number; y: number; series: number }[] = points
    .filter((p) => Number.isFinite(p.volatility) && Number.isFinite(p.expected_return))
    .map((p) => ({ x: p.volatility, y: p.expected_return, series: 0 }));
  FRONTIER_SERIES.forEach((name, i) => {
    if (name === 'frontier') return;
    const m = markers[name];
    if (m && Number.isFinite(m.volatility) && Number.isFinite(m.expected_return))
      entries.push({ x: m.volatility, y: m.expected_return, series: i });
  });
  // Stable: equal volatilities keep the frontier's order (increasing return).
  entries.sort((a, b) => a.x - b.x);
  const xs = entries.map((e) => e.x);
  const ys = FRONTIER_SERIES.map((_, i) => entries.map((e) => (e.series === i ? e.y : null)));
  return [xs, ...ys];
}

/** How many points a series of aligned data has (non-null values). */
export function countPoints(series: ArrayLike<number | null | undefined> | undefined): number {
  return Array.from(series ?? []).filter((v) => v != null).length;
}

/**
 * The optimiser's weights as rebalance targets: within 0 to 1, dust (below `dust`) left out,
 * summing to exactly 1. A position of a hundredth of a percent is not worth a trade, and the
 * table reads better without the solver's leftovers.
 */
export function targetWeights(weights: Record<string, number>, dust = 1e-4): Record<string, number> {
  const kept = Object.entries(weights)
    .map(([s, w]) => [s, Math.min(1, Math.max(0, Number.isFinite(w) ? w : 0))] as const)
    .filter(([, w]) => w >= dust);
  const sum = kept.reduce((a, [, w]) => a + w, 0);
  if (sum <= 0) return {};
  return Object.fromEntries(kept.map(([s, w]) => [s, w / sum]));
}

/** Current weights per symbol from valued holdings (several accounts may hold a symbol). */
export function currentWeights(holdings: { symbol: string; market_value?: number | null }[]): Record<string, number> {
  const value = new Map<string, number>();
  for (const h of holdings) {
    if (h.market_value == null || !Number.isFinite(h.market_value)) continue;
    value.set(h.symbol, (value.get(h.symbol) ?? 0) + h.market_value);
  }
  const total = [...value.values()].reduce((a, b) => a + b, 0);
  if (total <= 0) return {};
  return Object.fromEntries([...value].map(([s, v]) => [s, v / total]));
}

export interface AllocationRow {
  symbol: string;
  current: number;
  suggested: number;
  change: number;
}

/**
 * The allocation table: every symbol held or suggested, by suggested weight (largest first,
 * then by symbol), with the totals. A symbol missing on one side weighs 0 there.
 */
export function allocationRows(
  current: Record<string, number>,
  suggested: Record<string, number>,
): { rows: AllocationRow[]; total: { current: number; suggested: number } } {
  const symbols = [...new Set([...Object.keys(current), ...Object.keys(suggested)])];
  const rows = symbols.map((symbol) => {
    const c = current[symbol] ?? 0;
    const s = suggested[symbol] ?? 0;
    return { symbol, current: c, suggested: s, change: s - c };
  });
  rows.sort((a, b) => b.suggested - a.suggested || a.symbol.localeCompare(b.symbol));
  return {
    rows,
    total: {
      current: rows.reduce((a, r) => a + r.current, 0),
      suggested: rows.reduce((a, r) => a + r.suggested, 0),
    },
  };
}

/** What a refusal says, per field the page has a control for, and the rest. */
export interface Refusal {
  fields: Record<string, string>;
  general: string[];
}

/**
 * Splits one or more refusals (the frontier's and the optimiser's often name the same field)
 * into messages beside the controls in `known` and the rest (whose messages name what they
 * are about: "no price history for AAPL between …"); the same message is said once.
 */
export function refusalOf(errors: unknown[], known: readonly string[]): Refusal {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  const say = (list: string[], m: string) => {
    if (!list.includes(m)) list.push(m);
  };
  for (const e of errors) {
    if (e == null) continue;
    if (e instanceof ApiProblem && e.errors.length > 0) {
      for (const f of e.errors) {
        if (known.includes(f.field)) {
          if (!fields[f.field]) fields[f.field] = f.message;
          else if (!fields[f.field]?.includes(f.message)) fields[f.field] = `${fields[f.field]}; ${f.message}`;
        } else say(general, f.message);
      }
    } else say(general, e instanceof Error ? e.message : String(e));
  }
  return { fields, general };
}

/**
 * A planning action's failure in words: a server without the route (404 without fields) says
 * so; a field's message names the field when it is about one symbol (`weights.XOM`).
 */
export function planFailure(e: unknown, missing: string): string {
  if (e instanceof ApiProblem && e.status === 404 && e.errors.length === 0) return missing;
  if (e instanceof ApiProblem && e.errors.length > 0)
    return e.errors.map((f) => (/^weights\./.test(f.field) ? `${f.field.slice('weights.'.length)}: ${f.message}` : f.message)).join('; ');
  return refusalOf([e], []).general.join(' ');
}

/** A percentage typed in a control as a fraction: "2.5" → 0.025; empty → undefined. */
export function fromPercent(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  return Number(t) / 100;
}

export type ObjectiveKind = 'min_variance' | 'max_sharpe' | 'efficient_return' | 'efficient_risk' | 'risk_parity' | 'min_cvar';

export const OBJECTIVES: { kind: ObjectiveKind; label: string }[] = [
  { kind: 'max_sharpe', label: 'Maximum Sharpe ratio' },
  { kind: 'min_variance', label: 'Minimum variance' },
  { kind: 'efficient_return', label: 'Least risk for a target return' },
  { kind: 'efficient_risk', label: 'Most return for a target volatility' },
  { kind: 'risk_parity', label: 'Risk parity (equal risk contributions)' },
  { kind: 'min_cvar', label: 'Least CVaR of a day’s loss' },
];

export const COVARIANCES: { method: CovarianceMethod; label: string }[] = [
  { method: 'sample', label: 'Sample' },
  { method: 'ledoit_wolf', label: 'Ledoit–Wolf shrinkage' },
  { method: 'ewma', label: 'Exponentially weighted' },
];

/** The controls of the optimiser, as typed (percentages, dates as `YYYY-MM-DD` or empty). */
export interface Controls {
  objective: ObjectiveKind;
  riskFree: string;
  targetReturn: string;
  targetVolatility: string;
  cvarLevel: string;
  covariance: CovarianceMethod;
  from: string;
  to: string;
}

export const DEFAULT_CONTROLS: Controls = {
  objective: 'max_sharpe',
  riskFree: '2',
  targetReturn: '10',
  targetVolatility: '20',
  cvarLevel: '95',
  covariance: 'sample',
  from: '',
  to: '',
};

/** The objective the controls describe (values the server checks are passed on as typed). */
export function objectiveOf(c: Controls): Objective {
  switch (c.objective) {
    case 'efficient_return':
      return { kind: 'efficient_return', target_return: fromPercent(c.targetReturn) ?? Number.NaN };
    case 'efficient_risk':
      return { kind: 'efficient_risk', target_volatility: fromPercent(c.targetVolatility) ?? Number.NaN };
    case 'min_cvar':
      return { kind: 'min_cvar', beta: fromPercent(c.cvarLevel) ?? Number.NaN };
    default:
      return { kind: c.objective };
  }
}

/** The fields frontier and optimiser share, from the controls; omitted when left empty. */
export function estimateFields(c: Controls): { covariance: CovarianceMethod; risk_free_rate?: number; from?: string; to?: string } {
  const rf = fromPercent(c.riskFree);
  return {
    covariance: c.covariance,
    ...(rf === undefined ? {} : { risk_free_rate: rf }),
    ...(c.from ? { from: c.from } : {}),
    ...(c.to ? { to: c.to } : {}),
  };
}

/** The request field each control stands for (what a refusal names). */
export const CONTROL_FIELDS = {
  riskFree: 'risk_free_rate',
  targetReturn: 'objective.target_return',
  targetVolatility: 'objective.target_volatility',
  cvarLevel: 'objective.beta',
  covariance: 'covariance',
  from: 'from',
  to: 'to',
} as const;

/**
 * The band status the live state tells, in words: whether some holding is further than the
 * band from its share of the plan's class targets, and how many trades bring it back.
 */
export function bandStatus(p: Pick<LivePortfolio, 'band' | 'outside_band' | 'rebalance_trades' | 'total_value'>): {
  outside: boolean;
  text: string;
} {
  const band = `${(p.band * 100).toFixed(1)} points`;
  if (p.total_value <= 0) return { outside: false, text: 'Nothing priced is held yet, so there is no drift to watch.' };
  if (!p.outside_band)
    return { outside: false, text: `Inside the band: every holding is within ${band} of its share of the plan’s class targets.` };
  const trades = p.rebalance_trades === 1 ? '1 trade brings' : `${p.rebalance_trades} trades bring`;
  return { outside: true, text: `Outside the band: some holding is more than ${band} from its share of the plan’s class targets; ${trades} it back.` };
}

/** A value series as uPlot data: x in seconds since the epoch (UTC midnight of each day). */
export function seriesData(points: { date: string; value: number }[]): [number[], number[]] {
  return [points.map((p) => Date.parse(`${p.date}T00:00:00Z`) / 1000), points.map((p) => p.value)];
}
