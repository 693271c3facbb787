/**
 * The plan details page's logic that needs no browser: the stored plan's model extensions as
 * form rows (a month typed as "in N years" or as a calendar month), the rows back as
 * `PlanExtensions` with what cannot be sent named per control, a refusal's messages placed
 * beside the control its field names, and the results as chart series and table rows.
 */
import { span } from '../components/format';
import { ApiProblem } from '../api/problem';
import type {
  ColaKind,
  CompareModelsResponse,
  ComparedModel,
  GoalOutcomeView,
  GoalPriority,
  InflationModelSpec,
  PlanExtensions,
  PlanSpec,
  ReturnModelSpec,
  SpendingView,
  WithdrawalSpec,
} from '../api/types';

/** A calendar month (`month` 1 to 12). */
export interface YearMonth {
  year: number;
  month: number;
}

/** The month the plan's month 0 is: the current one. */
export function thisMonth(now = new Date()): YearMonth {
  return { year: now.getFullYear(), month: now.getMonth() + 1 };
}

/** `YYYY-MM` of the plan's month `m` counted from `today`. */
export function monthToDate(m: number, today: YearMonth): string {
  const index = today.year * 12 + (today.month - 1) + m;
  const year = Math.floor(index / 12);
  return `${String(year).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// Shared with the live plan's summary, which loads with the app.
export { span };

/** The calendar month of the plan's month `m`: "Jun 2031". */
export function monthName(m: number, today: YearMonth): string {
  const [year, month] = monthToDate(m, today).split('-');
  return `${MONTHS[Number(month) - 1] ?? month} ${Number(year)}`;
}

/** The plan's month `m` in words: "Jun 2031, in 5 years" ("this month" for 0). */
export function whenText(m: number, today: YearMonth): string {
  const name = monthName(m, today);
  return m === 0 ? `${name}, this month` : `${name}, in ${span(m)}`;
}

/**
 * How a month is typed: years from now (fractions allowed, rounded to the month), a calendar
 * month, or (only for an income's end) the end of the plan.
 */
export type WhenKind = 'years' | 'date' | 'end';

export interface When {
  kind: WhenKind;
  /** Years from now, as typed. */
  years: string;
  /** `YYYY-MM`, as typed. */
  date: string;
}

/** A stored month as the form shows it: whole years as years, any other month as a date. */
export function whenOf(m: number | null | undefined, today: YearMonth): When {
  if (m == null) return { kind: 'end', years: '', date: '' };
  return {
    kind: m % 12 === 0 ? 'years' : 'date',
    years: String(Number((m / 12).toFixed(2))),
    date: monthToDate(m, today),
  };
}

/** The month a `When` stands for, or why it stands for none (`end`: no month, no error). */
export function monthOf(when: When, today: YearMonth): { month?: number; error?: string } {
  if (when.kind === 'end') return {};
  if (when.kind === 'years') {
    const years = parseNumber(when.years);
    if (years === undefined || Number.isNaN(years)) return { error: 'enter a number of years' };
    if (years < 0) return { error: 'must be 0 or more years' };
    return { month: Math.round(years * 12) };
  }
  const m = /^(\d{4})-(\d{2})$/.exec(when.date.trim());
  if (!m) return { error: 'choose a month (YYYY-MM)' };
  const month = (Number(m[1]) - today.year) * 12 + (Number(m[2]) - today.month);
  if (Number(m[2]) < 1 || Number(m[2]) > 12) return { error: 'choose a month (YYYY-MM)' };
  if (month < 0) return { error: 'is before this month' };
  return { month };
}

/** A number as typed: undefined when empty, NaN when not a number. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : Number.NaN;
}

/** Form text of an optional number. */
const text = (n: number | null | undefined): string => (n == null ? '' : String(n));

export interface GoalRow {
  name: string;
  amount: string;
  when: When;
  priority: GoalPriority;
}

export interface IncomeRow {
  name: string;
  amount: string;
  start: When;
  end: When;
  cola: ColaKind;
  colaRate: string;
}

export interface EventRow {
  name: string;
  amount: string;
  when: When;
}

export interface GlideRow {
  when: When;
  /** One per asset class, as typed. */
  weights: string[];
}

export type StrategyKind = WithdrawalSpec['strategy'];

/** Every strategy's parameters, so that switching strategies keeps what was typed. */
export interface Strategy {
  kind: StrategyKind;
  annualRate: string;
  realReturn: string;
  guardrail: string;
  adjustment: string;
  protectedYears: string;
  floor: string;
  ceiling: string;
}

export type ReturnKind = ReturnModelSpec['model'];

export interface Returns {
  kind: ReturnKind;
  df: string;
  blockMonths: string;
  /** A bootstrap's history given with the stored plan (kept as it is; not typed here). */
  history: number[][] | null;
  toStressed: string;
  toCalm: string;
  calmDrift: string;
  calmVol: string;
  stressedDrift: string;
  stressedVol: string;
}

export type InflationKind = InflationModelSpec['model'];

export interface Inflation {
  kind: InflationKind;
  volatility: string;
  persistence: string;
  correlation: string;
}

/** The page's form: every extension as typed. */
export interface PlanForm {
  goals: GoalRow[];
  income: IncomeRow[];
  events: EventRow[];
  strategy: Strategy;
  glide: GlideRow[];
  returns: Returns;
  inflation: Inflation;
  /** Monthly, today's money; empty: the plan's spending. */
  spendingFloor: string;
}

/** The server's defaults for the parameters (protocol/src/extensions.rs), shown ready to edit. */
export const STRATEGY_DEFAULTS: Omit<Strategy, 'kind'> = {
  annualRate: '0.04',
  realReturn: '0.035',
  guardrail: '0.2',
  adjustment: '0.1',
  protectedYears: '15',
  floor: '0.85',
  ceiling: '1.5',
};

export const INFLATION_DEFAULTS: Omit<Inflation, 'kind'> = { volatility: '0.015', persistence: '0.97', correlation: '-0.1' };

const RETURN_DEFAULTS: Omit<Returns, 'kind'> = {
  df: '5',
  blockMonths: '12',
  history: null,
  toStressed: '',
  toCalm: '',
  calmDrift: '',
  calmVol: '',
  stressedDrift: '',
  stressedVol: '',
};

export const STRATEGIES: { kind: StrategyKind; label: string }[] = [
  { kind: 'constant_real', label: 'Constant spending in today’s money (the base model)' },
  { kind: 'constant_percentage', label: 'A fixed share of wealth each year' },
  { kind: 'vpw', label: 'Variable percentage withdrawal (VPW)' },
  { kind: 'guyton_klinger', label: 'Guyton–Klinger guardrails' },
  { kind: 'floor_ceiling', label: 'A share of wealth between a floor and a ceiling' },
];

export const RETURN_MODELS: { kind: ReturnKind; label: string }[] = [
  { kind: 'lognormal', label: 'Lognormal (the base model)' },
  { kind: 'student_t', label: 'Student-t (fatter tails)' },
  { kind: 'bootstrap', label: 'Bootstrap of past returns' },
  { kind: 'regime_switching', label: 'Regime switching (calm and stressed)' },
];

export const INFLATION_MODELS: { kind: InflationKind; label: string }[] = [
  { kind: 'constant', label: 'Constant (the plan’s inflation)' },
  { kind: 'stochastic', label: 'Stochastic (wandering around it)' },
];

export const PRIORITIES: { kind: GoalPriority; label: string }[] = [
  { kind: 'need', label: 'Need' },
  { kind: 'want', label: 'Want' },
  { kind: 'wish', label: 'Wish' },
];

export const COLAS: { kind: ColaKind; label: string }[] = [
  { kind: 'inflation', label: 'Follows inflation' },
  { kind: 'none', label: 'Fixed in money of its start' },
  { kind: 'fixed', label: 'Rises by a fixed rate' },
];

export const MODEL_LABELS: Record<ComparedModel, string> = {
  lognormal: 'Lognormal',
  student_t: 'Student-t',
  bootstrap: 'Bootstrap',
  regime_switching: 'Regime switching',
  stochastic_inflation: 'Stochastic inflation',
};

export const priorityLabel = (p: GoalPriority): string => PRIORITIES.find((x) => x.kind === p)?.label ?? p;

/** The form of stored extensions (none: every switch at the base model). */
export function formOf(ext: PlanExtensions | null | undefined, classes: number, today: YearMonth): PlanForm {
  const e = ext ?? {};
  const w = e.withdrawal;
  const strategy: Strategy = { kind: w?.strategy ?? 'constant_real', ...STRATEGY_DEFAULTS };
  if (w?.strategy === 'constant_percentage') strategy.annualRate = text(w.annual_rate);
  if (w?.strategy === 'vpw') strategy.realReturn = text(w.real_return);
  if (w?.strategy === 'guyton_klinger') {
    if (w.guardrail != null) strategy.guardrail = text(w.guardrail);
    if (w.adjustment != null) strategy.adjustment = text(w.adjustment);
    if (w.protected_final_years != null) strategy.protectedYears = text(w.protected_final_years);
  }
  if (w?.strategy === 'floor_ceiling') {
    strategy.annualRate = text(w.annual_rate);
    if (w.floor != null) strategy.floor = text(w.floor);
    if (w.ceiling != null) strategy.ceiling = text(w.ceiling);
  }
  const r = e.return_model;
  const returns: Returns = { kind: r?.model ?? 'lognormal', ...RETURN_DEFAULTS };
  if (r?.model === 'student_t' && r.df != null) returns.df = text(r.df);
  if (r?.model === 'bootstrap') {
    if (r.block_months != null) returns.blockMonths = text(r.block_months);
    returns.history = r.history ?? null;
  }
  if (r?.model === 'regime_switching') {
    returns.toStressed = text(r.to_stressed);
    returns.toCalm = text(r.to_calm);
    returns.calmDrift = text(r.calm?.drift_shift);
    returns.calmVol = text(r.calm?.volatility_multiplier);
    returns.stressedDrift = text(r.stressed?.drift_shift);
    returns.stressedVol = text(r.stressed?.volatility_multiplier);
  }
  const i = e.inflation_model;
  const inflation: Inflation = { kind: i?.model ?? 'constant', ...INFLATION_DEFAULTS };
  if (i?.model === 'stochastic') {
    if (i.volatility != null) inflation.volatility = text(i.volatility);
    if (i.persistence != null) inflation.persistence = text(i.persistence);
    if (i.correlation != null) inflation.correlation = text(i.correlation);
  }
  return {
    goals: (e.goals ?? []).map((g) => ({ name: g.name, amount: text(g.amount), when: whenOf(g.month, today), priority: g.priority })),
    income: (e.income ?? []).map((s) => ({
      name: s.name,
      amount: text(s.monthly_amount),
      start: whenOf(s.start_month, today),
      end: whenOf(s.end_month, today),
      cola: s.cola ?? 'inflation',
      colaRate: text(s.cola_rate),
    })),
    events: (e.events ?? []).map((v) => ({ name: v.name, amount: text(v.amount), when: whenOf(v.month, today) })),
    strategy,
    // A point with another number of weights than the plan has classes cannot be simulated:
    // it gets a box per class, the missing ones empty for the user to fill.
    glide: (e.glide_path ?? []).map((p) => ({
      when: whenOf(p.month, today),
      weights: Array.from({ length: classes }, (_, k) => text(p.weights[k])),
    })),
    returns,
    inflation,
    spendingFloor: text(e.spending_floor),
  };
}

/** The request field of a row's control, as the server names it in a refusal. */
export const fieldOf = {
  goal: (i: number, key: 'name' | 'amount' | 'month' | 'priority') => `extensions.goals[${i}].${key}`,
  income: (i: number, key: 'name' | 'monthly_amount' | 'start_month' | 'end_month' | 'cola' | 'cola_rate') =>
    `extensions.income[${i}].${key}`,
  event: (i: number, key: 'name' | 'amount' | 'month') => `extensions.events[${i}].${key}`,
  glide: (i: number, key: 'month' | 'weights') => `extensions.glide_path[${i}].${key}`,
  glideWeight: (i: number, k: number) => `extensions.glide_path[${i}].weights[${k}]`,
  strategy: 'extensions.withdrawal',
  strategyParam: (key: 'annual_rate' | 'real_return' | 'guardrail' | 'adjustment' | 'protected_final_years' | 'floor' | 'ceiling') =>
    `extensions.withdrawal.${key}`,
  returns: 'extensions.return_model',
  returnParam: (key: string) => `extensions.return_model.${key}`,
  inflation: 'extensions.inflation_model',
  inflationParam: (key: 'volatility' | 'persistence' | 'correlation') => `extensions.inflation_model.${key}`,
  spendingFloor: 'extensions.spending_floor',
  list: (key: 'goals' | 'income' | 'events' | 'glide_path') => `extensions.${key}`,
} as const;

/** Every field the form has a control (or a list) for: where a refusal's messages can go. */
export function knownFields(form: PlanForm): Set<string> {
  const out = new Set<string>([
    fieldOf.strategy,
    fieldOf.returns,
    fieldOf.inflation,
    fieldOf.spendingFloor,
    fieldOf.list('goals'),
    fieldOf.list('income'),
    fieldOf.list('events'),
    fieldOf.list('glide_path'),
  ]);
  form.goals.forEach((_, i) => (['name', 'amount', 'month', 'priority'] as const).forEach((k) => out.add(fieldOf.goal(i, k))));
  form.income.forEach((_, i) =>
    (['name', 'monthly_amount', 'start_month', 'end_month', 'cola', 'cola_rate'] as const).forEach((k) => out.add(fieldOf.income(i, k))),
  );
  form.events.forEach((_, i) => (['name', 'amount', 'month'] as const).forEach((k) => out.add(fieldOf.event(i, k))));
  form.glide.forEach((g, i) => {
    out.add(fieldOf.glide(i, 'month'));
    out.add(fieldOf.glide(i, 'weights'));
    g.weights.forEach((_, k) => out.add(fieldOf.glideWeight(i, k)));
  });
  for (const k of ['annual_rate', 'real_return', 'guardrail', 'adjustment', 'protected_final_years', 'floor', 'ceiling'] as const)
    out.add(fieldOf.strategyParam(k));
  for (const k of ['df', 'block_months', 'history', 'to_stressed', 'to_calm'])
    out.add(fieldOf.returnParam(k));
  for (const regime of ['calm', 'stressed'])
    for (const k of ['drift_shift', 'volatility_multiplier']) out.add(fieldOf.returnParam(`${regime}.${k}`));
  for (const k of ['volatility', 'persistence', 'correlation'] as const) out.add(fieldOf.inflationParam(k));
  return out;
}

/** The extensions the form describes, or the messages per control of what cannot be sent. */
export function extensionsOf(form: PlanForm, today: YearMonth): { extensions: PlanExtensions; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const required = (field: string, value: string): number => {
    const n = parseNumber(value);
    if (n === undefined || Number.isNaN(n)) errors[field] = 'enter a number';
    return n ?? Number.NaN;
  };
  const optional = (field: string, value: string): number | undefined => {
    const n = parseNumber(value);
    if (n !== undefined && Number.isNaN(n)) errors[field] = 'enter a number or leave it empty';
    return n;
  };
  const name = (field: string, value: string): string => {
    if (value.trim() === '') errors[field] = 'enter a name';
    return value.trim();
  };
  const month = (field: string, when: When): number => {
    const m = monthOf(when, today);
    if (m.error) errors[field] = m.error;
    return m.month ?? 0;
  };
  const ext: PlanExtensions = {};

  const goals = form.goals.map((g, i) => ({
    name: name(fieldOf.goal(i, 'name'), g.name),
    amount: required(fieldOf.goal(i, 'amount'), g.amount),
    month: month(fieldOf.goal(i, 'month'), g.when),
    priority: g.priority,
  }));
  if (goals.length > 0) ext.goals = goals;

  const income = form.income.map((s, i) => {
    const end = monthOf(s.end, today);
    if (end.error) errors[fieldOf.income(i, 'end_month')] = end.error;
    return {
      name: name(fieldOf.income(i, 'name'), s.name),
      monthly_amount: required(fieldOf.income(i, 'monthly_amount'), s.amount),
      start_month: month(fieldOf.income(i, 'start_month'), s.start),
      ...(end.month !== undefined ? { end_month: end.month } : {}),
      cola: s.cola,
      ...(s.cola === 'fixed' ? { cola_rate: required(fieldOf.income(i, 'cola_rate'), s.colaRate) } : {}),
    };
  });
  if (income.length > 0) ext.income = income;

  const events = form.events.map((v, i) => ({
    name: name(fieldOf.event(i, 'name'), v.name),
    month: month(fieldOf.event(i, 'month'), v.when),
    amount: required(fieldOf.event(i, 'amount'), v.amount),
  }));
  if (events.length > 0) ext.events = events;

  const s = form.strategy;
  const param = fieldOf.strategyParam;
  const given = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  switch (s.kind) {
    case 'constant_real':
      break;
    case 'constant_percentage':
      ext.withdrawal = { strategy: s.kind, annual_rate: required(param('annual_rate'), s.annualRate) };
      break;
    case 'vpw':
      ext.withdrawal = { strategy: s.kind, real_return: required(param('real_return'), s.realReturn) };
      break;
    case 'guyton_klinger':
      ext.withdrawal = given({
        strategy: s.kind,
        guardrail: optional(param('guardrail'), s.guardrail),
        adjustment: optional(param('adjustment'), s.adjustment),
        protected_final_years: optional(param('protected_final_years'), s.protectedYears),
      });
      break;
    case 'floor_ceiling':
      ext.withdrawal = given({
        strategy: s.kind,
        annual_rate: required(param('annual_rate'), s.annualRate),
        floor: optional(param('floor'), s.floor),
        ceiling: optional(param('ceiling'), s.ceiling),
      });
      break;
  }
  const floor = optional(fieldOf.spendingFloor, form.spendingFloor);
  if (floor !== undefined) ext.spending_floor = floor;

  const glide = form.glide.map((g, i) => ({
    month: month(fieldOf.glide(i, 'month'), g.when),
    weights: g.weights.map((w, k) => required(fieldOf.glideWeight(i, k), w)),
  }));
  if (glide.length > 0) ext.glide_path = glide;

  const r = form.returns;
  const rp = fieldOf.returnParam;
  switch (r.kind) {
    case 'lognormal':
      break;
    case 'student_t':
      ext.return_model = given({ model: r.kind, df: optional(rp('df'), r.df) });
      break;
    case 'bootstrap':
      ext.return_model = given({
        model: r.kind,
        block_months: optional(rp('block_months'), r.blockMonths),
        ...(r.history ? { history: r.history } : {}),
      });
      break;
    case 'regime_switching': {
      // A regime is its two numbers together (the server takes both or neither).
      const regime = (name: 'calm' | 'stressed', drift: string, vol: string) => {
        const d = optional(rp(`${name}.drift_shift`), drift);
        const v = optional(rp(`${name}.volatility_multiplier`), vol);
        if ((d === undefined) !== (v === undefined)) {
          errors[rp(`${name}.${d === undefined ? 'drift_shift' : 'volatility_multiplier'}`)] = 'give both numbers of the regime, or neither';
          return undefined;
        }
        return d === undefined || v === undefined ? undefined : { drift_shift: d, volatility_multiplier: v };
      };
      ext.return_model = given({
        model: r.kind,
        to_stressed: optional(rp('to_stressed'), r.toStressed),
        to_calm: optional(rp('to_calm'), r.toCalm),
        calm: regime('calm', r.calmDrift, r.calmVol),
        stressed: regime('stressed', r.stressedDrift, r.stressedVol),
      });
      break;
    }
  }

  const inf = form.inflation;
  if (inf.kind === 'stochastic')
    ext.inflation_model = given({
      model: inf.kind,
      volatility: optional(fieldOf.inflationParam('volatility'), inf.volatility),
      persistence: optional(fieldOf.inflationParam('persistence'), inf.persistence),
      correlation: optional(fieldOf.inflationParam('correlation'), inf.correlation),
    });
  return { extensions: ext, errors };
}

/** The plan a user without a stored one is simulated with (the server's default, P1). */
export const DEFAULT_SPEC: PlanSpec = {
  initial_wealth: 250000,
  monthly_contribution: 1500,
  retirement_month: 360,
  monthly_spending: 5000,
  horizon_months: 720,
  annual_inflation: 0.025,
  annual_fee: 0.002,
};

/** The stored plan (or the default) with these extensions and every other field as it is. */
export function planWith(stored: PlanSpec | null, extensions: PlanExtensions): PlanSpec {
  const rest: PlanSpec = { ...(stored ?? DEFAULT_SPEC) };
  delete rest.extensions;
  return Object.keys(extensions).length > 0 ? { ...rest, extensions } : rest;
}

const DEFAULT_CLASSES = ['us_equity', 'intl_equity', 'bonds'];
const DEFAULT_WEIGHTS = [0.6, 0.2, 0.2];

/** The plan's asset class names (the defaults when it names none). */
export function classNames(plan: PlanSpec | null): string[] {
  return plan?.asset_classes?.map((c) => c.name) ?? DEFAULT_CLASSES;
}

/** A new glide-path point's weights: the plan's own target weights. */
export function planWeights(plan: PlanSpec | null): number[] {
  const n = classNames(plan).length;
  if (plan?.weights && plan.weights.length === n) return plan.weights;
  if (plan?.asset_classes) return Array.from({ length: n }, () => 1 / n);
  return DEFAULT_WEIGHTS;
}

/** What a refusal says, per control of the form, and the rest. */
export interface Refusal {
  fields: Record<string, string>;
  general: string[];
}

/** `a.b[2].c` → `a.b[2]` → `a.b` → `a`: the field and the fields it sits in. */
function enclosing(field: string): string[] {
  const out = [field];
  let f = field;
  for (;;) {
    const shorter = f.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
    if (shorter === f || shorter === '') return out;
    out.push(shorter);
    f = shorter;
  }
}

/**
 * Places a refusal's messages: each beside the innermost control (or list) of `known` its field
 * is in (`extensions.return_model.history[14][1]` beside the return model's history), named as
 * for a stored plan (an inline plan's `plan.` dropped); the others, and a refusal without
 * fields, in `general`.
 */
export function placeRefusal(e: unknown, known: Set<string>): Refusal {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  if (e instanceof ApiProblem && e.errors.length > 0) {
    for (const f of e.errors) {
      const name = f.field.replace(/^plan\./, '');
      const at = enclosing(name).find((c) => known.has(c));
      if (at === undefined) general.push(`${name}: ${f.message}`);
      else fields[at] = fields[at] ? `${fields[at]}; ${f.message}` : f.message;
    }
  } else if (e != null) general.push(e instanceof Error ? e.message : String(e));
  return { fields, general };
}

/** uPlot's data for the spending chart: year, p5, p25, median, p75, p95, and the yearly floor. */
export function spendingChartData(spending: SpendingView): [number[], ...number[][]] {
  const ys = spending.by_year;
  const k = ['p5', 'p25', 'p50', 'p75', 'p95'] as const;
  return [ys.map((y) => y.year), ...k.map((p) => ys.map((y) => y.real_spending[p])), ys.map(() => 12 * spending.floor)];
}

export interface GoalLine {
  name: string;
  when: string;
  priority: string;
  probability: number;
  standardError: number;
}

/** The goals' chances as the table shows them, in the plan's order. */
export function goalLines(goals: GoalOutcomeView[], today: YearMonth): GoalLine[] {
  return goals.map((g) => ({
    name: g.name,
    when: whenText(g.month, today),
    priority: priorityLabel(g.priority),
    probability: g.probability,
    standardError: g.standard_error,
  }));
}

export interface ModelRow {
  model: ComparedModel;
  label: string;
  description: string;
  success?: number;
  standardError?: number;
  medianWealth?: number;
  goals: { name: string; probability: number }[];
  /** Share of retirement years below the floor (absent without spending by year). */
  leanYears?: number;
  unavailable?: string;
}

/** The comparison as table rows, in the server's order. */
export function modelRows(r: CompareModelsResponse): ModelRow[] {
  return r.models.map((m) => {
    const s = m.summary;
    return {
      model: m.model,
      label: MODEL_LABELS[m.model] ?? m.model,
      description: m.description,
      goals: (s?.goals ?? []).map((g) => ({ name: g.name, probability: g.probability })),
      ...(s
        ? {
            success: s.success_probability,
            standardError: s.success_standard_error,
            medianWealth: s.terminal_real_wealth.p50,
            ...(s.spending ? { leanYears: s.spending.share_of_years_below_floor } : {}),
          }
        : { unavailable: m.unavailable ?? 'not run' }),
    };
  });
}
