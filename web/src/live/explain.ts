import type { ChangedInput, ExplainedInput, Explanation } from './wire';

/** One part in points with its sign, to a tenth: "+0.5", "−2.6"; "0.0" when it rounds to nothing. */
export function signedPoints(change: number): string {
  const tenths = Math.round(change * 1000);
  if (tenths === 0) return '0.0';
  return `${tenths > 0 ? '+' : '−'}${(Math.abs(tenths) / 10).toFixed(1)}`;
}

/** How an input's change reads after "your": the direction when it is a number. */
const PHRASES: Record<Exclude<ExplainedInput, 'holdings'>, [string, string] | string> = {
  initial_wealth: ['higher starting wealth', 'lower starting wealth'],
  monthly_contribution: ['higher contribution', 'lower contribution'],
  monthly_spending: ['higher spending', 'lower spending'],
  retirement_month: ['later retirement', 'earlier retirement'],
  horizon_months: ['longer horizon', 'shorter horizon'],
  annual_inflation: ['higher inflation', 'lower inflation'],
  annual_fee: ['higher fee', 'lower fee'],
  asset_classes: 'new return assumptions',
  correlation: 'new correlations',
  weights: 'new allocation',
  extensions: 'new goals, income or models',
};

function phrase(change: ChangedInput & { input: Exclude<ExplainedInput, 'holdings'> }): string {
  const words = PHRASES[change.input];
  if (typeof words === 'string') return words;
  const up = change.from !== undefined && change.to !== undefined && change.to > change.from;
  return up ? words[0] : words[1];
}

/** What the plan's part is called: the inputs that changed, as the owner made them. */
export function planLabel(changed: ChangedInput[]): string {
  const edits = changed.filter((c): c is ChangedInput & { input: Exclude<ExplainedInput, 'holdings'> } => c.input !== 'holdings');
  if (edits.length === 0) return 'your plan';
  if (edits.length > 2) return 'your plan changes';
  return `your ${edits.map(phrase).join(' and ')}`;
}

/** "10:42", or "6 Dec 10:42" when it was not on the day of `nowMs`. */
export function sinceTime(sinceMs: number, nowMs: number, timeZone?: string): string {
  const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(sinceMs);
  const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone });
  return day.format(sinceMs) === day.format(nowMs) ? time : `${day.format(sinceMs)} ${time}`;
}

/**
 * The line beside the live success probability: "−2.1 points since 10:42: market −2.6, your
 * higher contribution +0.5". Parts that round to nothing are left out; holdings bought or sold
 * move the wealth, so they join the market's part in its name.
 */
export function explanationLine(e: Explanation, nowMs: number, timeZone?: string): string {
  const holdings = e.changed_inputs.some((c) => c.input === 'holdings');
  const parts: [string, number][] = [
    [holdings ? 'market and holdings' : 'market', e.market],
    [planLabel(e.changed_inputs), e.plan],
    ['other', e.rest],
  ];
  const shown = parts.filter(([, v]) => signedPoints(v) !== '0.0').map(([label, v]) => `${label} ${signedPoints(v)}`);
  const head = `${signedPoints(e.total)} points since ${sinceTime(e.since_ms, nowMs, timeZone)}`;
  return shown.length > 0 ? `${head}: ${shown.join(', ')}` : head;
}
