const money0 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const money2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

const qty = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });
export const quantity = (n: number): string => qty.format(n);
export const money = (n: number | null | undefined): string => (n == null || !Number.isFinite(n) ? '—' : money0.format(n));
export const price = (n: number | null | undefined): string => (n == null || !Number.isFinite(n) ? '—' : money2.format(n));
export const pct = (p: number | null | undefined, digits = 1): string =>
  p == null || !Number.isFinite(p) ? '—' : `${(p * 100).toFixed(digits)}%`;
/** A change with its sign: "+3.1 pts", "−2,000". */
export const signedPts = (d: number): string => `${d >= 0 ? '+' : '−'}${Math.abs(d * 100).toFixed(1)} pts`;
export const signedMoney = (d: number): string => `${d >= 0 ? '+' : '−'}${money0.format(Math.abs(d))}`;

/** The plan's default (P1 of docs/simulation-model.md), what the server simulates for a user with no stored plan. */
export const DEFAULT_PLAN = {
  initial_wealth: 250000,
  monthly_contribution: 1500,
  retirement_month: 360,
  monthly_spending: 5000,
  horizon_months: 720,
  annual_inflation: 0.025,
  annual_fee: 0.002,
  asset_classes: [
    { name: 'us_equity', mu: 0.07, sigma: 0.16 },
    { name: 'intl_equity', mu: 0.065, sigma: 0.18 },
    { name: 'bonds', mu: 0.03, sigma: 0.05 },
  ],
  weights: [0.6, 0.2, 0.2],
  correlation: [
    [1, 0.8, 0.1],
    [0.8, 1, 0.1],
    [0.1, 0.1, 1],
  ],
};

/** A span of months in words: "5 years 3 months", "1 month". */
export function span(months: number): string {
  const years = Math.floor(months / 12);
  const rest = months % 12;
  return [years > 0 ? `${years} year${years === 1 ? '' : 's'}` : '', rest > 0 ? `${rest} month${rest === 1 ? '' : 's'}` : '']
    .filter(Boolean)
    .join(' ');
}

/** An axis tick: 1.2B, 3.4M, 56k, 1234, 12.34. */
export function axisNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}B`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  return a >= 100 ? v.toFixed(0) : v.toFixed(2);
}
