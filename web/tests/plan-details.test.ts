import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiProblem } from '../src/api/problem';
import type { CompareModelsResponse, PlanExtensions, PlanSpec, SimulationSummary } from '../src/api/types';
import { hasExtensions } from '../src/plan/extensions';
import {
  classNames,
  DEFAULT_SPEC,
  extensionsOf,
  fieldOf,
  formOf,
  goalLines,
  knownFields,
  modelRows,
  monthName,
  monthOf,
  monthToDate,
  placeRefusal,
  planWeights,
  planWith,
  spendingChartData,
  span,
  whenOf,
  whenText,
  type PlanForm,
} from '../src/plan/model';

const today = { year: 2025, month: 11 };

describe('months typed as years from now or as calendar months', () => {
  it('counts calendar months from this one, across years', () => {
    expect(monthToDate(0, today)).toBe('2025-11');
    expect(monthToDate(2, today)).toBe('2026-01');
    expect(monthToDate(61, today)).toBe('2030-12');
    expect(monthOf({ kind: 'date', years: '', date: '2030-12' }, today)).toEqual({ month: 61 });
    expect(monthOf({ kind: 'date', years: '', date: '2025-11' }, today)).toEqual({ month: 0 });
  });

  it('rounds years to the month and refuses what is not a month', () => {
    expect(monthOf({ kind: 'years', years: '2.5', date: '' }, today)).toEqual({ month: 30 });
    expect(monthOf({ kind: 'years', years: ' 70 ', date: '' }, today)).toEqual({ month: 840 });
    expect(monthOf({ kind: 'years', years: '', date: '' }, today).error).toBe('enter a number of years');
    expect(monthOf({ kind: 'years', years: 'soon', date: '' }, today).error).toBe('enter a number of years');
    expect(monthOf({ kind: 'years', years: '-1', date: '' }, today).error).toBe('must be 0 or more years');
    expect(monthOf({ kind: 'date', years: '', date: '2025-10' }, today).error).toBe('is before this month');
    expect(monthOf({ kind: 'date', years: '', date: '2030-13' }, today).error).toBe('choose a month (YYYY-MM)');
    expect(monthOf({ kind: 'date', years: '', date: '' }, today).error).toBe('choose a month (YYYY-MM)');
    expect(monthOf({ kind: 'end', years: '', date: '' }, today)).toEqual({});
  });

  it('shows whole years as years and other months as dates, both filled in', () => {
    expect(whenOf(60, today)).toEqual({ kind: 'years', years: '5', date: '2030-11' });
    expect(whenOf(61, today)).toEqual({ kind: 'date', years: '5.08', date: '2030-12' });
    expect(whenOf(null, today).kind).toBe('end');
    // Either way of typing a stored month gives it back.
    for (const m of [0, 1, 11, 61, 437, 1199]) {
      const w = whenOf(m, today);
      expect(monthOf({ ...w, kind: 'years' }, today).month).toBe(m);
      expect(monthOf({ ...w, kind: 'date' }, today).month).toBe(m);
    }
  });

  it('says a month in words', () => {
    expect(whenText(0, today)).toBe('Nov 2025, this month');
    expect(monthName(720, today)).toBe('Nov 2085');
    expect(whenText(61, today)).toBe('Dec 2030, in 5 years 1 month');
    expect(span(12)).toBe('1 year');
    expect(span(1)).toBe('1 month');
  });
});

/** Extensions as the server stores and returns them: every default written out. */
const stored: PlanExtensions = {
  goals: [
    { name: 'house deposit', amount: 60000, month: 60, priority: 'need' },
    { name: 'sabbatical', amount: 40000, month: 203, priority: 'wish' },
  ],
  income: [
    { name: 'state pension', monthly_amount: 1200, start_month: 420, cola: 'inflation' },
    { name: 'annuity', monthly_amount: 500, start_month: 360, end_month: 600, cola: 'fixed', cola_rate: 0.02 },
  ],
  events: [{ name: 'new roof', month: 240, amount: -25000 }],
  withdrawal: { strategy: 'guyton_klinger', guardrail: 0.2, adjustment: 0.1, protected_final_years: 15 },
  glide_path: [
    { month: 0, weights: [0.6, 0.2, 0.2] },
    { month: 360, weights: [0.3, 0.1, 0.6] },
  ],
  return_model: { model: 'student_t', df: 6 },
  inflation_model: { model: 'stochastic', volatility: 0.015, persistence: 0.97, correlation: -0.1 },
  spending_floor: 4000,
};

describe('the form and the extensions', () => {
  it('gives back the stored extensions unchanged when nothing is edited', () => {
    const { extensions, errors } = extensionsOf(formOf(stored, 3, today), today);
    expect(errors).toEqual({});
    expect(extensions).toEqual(stored);
  });

  it('writes out the defaults of a plan that leaves them out', () => {
    const example = JSON.parse(readFileSync('../examples/plans/complex-multi-goal.json', 'utf8')) as PlanSpec;
    const form = formOf(example.extensions, classNames(example).length, today);
    expect(form.strategy).toMatchObject({ kind: 'guyton_klinger', guardrail: '0.2', adjustment: '0.1', protectedYears: '15' });
    const { extensions, errors } = extensionsOf(form, today);
    expect(errors).toEqual({});
    expect(extensions.goals).toEqual(example.extensions?.goals);
    expect(extensions.events).toEqual(example.extensions?.events);
    expect(extensions.glide_path).toEqual(example.extensions?.glide_path);
    expect(extensions.income?.[0]).toEqual({ ...example.extensions?.income?.[0], cola: 'inflation' });
    expect(extensions.income?.[2]?.cola).toBe('none');
    expect(extensions.withdrawal).toEqual({ strategy: 'guyton_klinger', guardrail: 0.2, adjustment: 0.1, protected_final_years: 15 });
    expect(extensions.inflation_model).toEqual({ model: 'stochastic', volatility: 0.015, persistence: 0.97, correlation: -0.1 });
    expect(extensions.return_model).toEqual({ model: 'student_t', df: 6 });
  });

  it('leaves out every switch at the base model', () => {
    const form = formOf(undefined, 3, today);
    expect(extensionsOf(form, today)).toEqual({ extensions: {}, errors: {} });
    // Parameters typed for another strategy are kept in the form but not sent.
    form.strategy = { ...form.strategy, kind: 'constant_real', annualRate: '0.05' };
    expect(extensionsOf(form, today).extensions).toEqual({});
    form.strategy.kind = 'floor_ceiling';
    expect(extensionsOf(form, today).extensions.withdrawal).toEqual({ strategy: 'floor_ceiling', annual_rate: 0.05, floor: 0.85, ceiling: 1.5 });
  });

  it('sends an optional parameter left empty as absent, for the server’s default', () => {
    const form = formOf({ withdrawal: { strategy: 'guyton_klinger' }, return_model: { model: 'regime_switching' } }, 3, today);
    form.strategy.guardrail = ' ';
    form.returns.toStressed = '0.05';
    const { extensions, errors } = extensionsOf(form, today);
    expect(errors).toEqual({});
    expect(extensions.withdrawal).toEqual({ strategy: 'guyton_klinger', adjustment: 0.1, protected_final_years: 15 });
    expect(extensions.return_model).toEqual({ model: 'regime_switching', to_stressed: 0.05 });
  });

  it('keeps a bootstrap’s stored history unless the holdings’ is chosen', () => {
    const history = Array.from({ length: 24 }, () => [0.01, 0.0, -0.01]);
    const form = formOf({ return_model: { model: 'bootstrap', block_months: 6, history } }, 3, today);
    expect(extensionsOf(form, today).extensions.return_model).toEqual({ model: 'bootstrap', block_months: 6, history });
    form.returns.history = null;
    expect(extensionsOf(form, today).extensions.return_model).toEqual({ model: 'bootstrap', block_months: 6 });
  });

  it('names each control whose value cannot be sent, by the field the server would name', () => {
    const form: PlanForm = formOf(stored, 3, today);
    form.goals[0]!.amount = '';
    form.goals[1]!.name = '  ';
    form.goals[1]!.when = { kind: 'years', years: 'later', date: '' };
    form.income[1]!.colaRate = '';
    form.income[0]!.end = { kind: 'date', years: '', date: '2020-01' };
    form.events[0]!.amount = 'a lot';
    form.glide[1]!.weights = ['0.5', '', '0.5'];
    form.strategy.adjustment = 'x';
    form.returns = { ...form.returns, kind: 'regime_switching', calmDrift: '0.3', calmVol: '' };
    form.spendingFloor = 'none';
    const { errors } = extensionsOf(form, today);
    expect(errors).toEqual({
      'extensions.goals[0].amount': 'enter a number',
      'extensions.goals[1].name': 'enter a name',
      'extensions.goals[1].month': 'enter a number of years',
      'extensions.income[0].end_month': 'is before this month',
      'extensions.income[1].cola_rate': 'enter a number',
      'extensions.events[0].amount': 'enter a number',
      'extensions.glide_path[1].weights[1]': 'enter a number',
      'extensions.withdrawal.adjustment': 'enter a number or leave it empty',
      'extensions.return_model.calm.volatility_multiplier': 'give both numbers of the regime, or neither',
      'extensions.spending_floor': 'enter a number or leave it empty',
    });
    // Every one of them is a field the page has a control for.
    const known = knownFields(form);
    for (const field of Object.keys(errors)) expect(known.has(field)).toBe(true);
  });

  it('gives a glide point a box per class, empty where the stored point has none', () => {
    const form = formOf({ glide_path: [{ month: 0, weights: [0.5, 0.5] }] }, 3, today);
    expect(form.glide[0]!.weights).toEqual(['0.5', '0.5', '']);
    expect(extensionsOf(form, today).errors).toEqual({ [fieldOf.glideWeight(0, 2)]: 'enter a number' });
  });
});

describe('a refusal beside its control', () => {
  const form = formOf(stored, 3, today);
  const known = knownFields(form);
  const refused = (...errors: [string, string][]) =>
    new ApiProblem(422, 'validation_failed', errors[0]?.[1] ?? 'invalid', errors.map(([field, message]) => ({ field, message })));

  it('places each message at the innermost control its field is in', () => {
    const r = placeRefusal(
      refused(
        ['extensions.goals[1].month', 'must be before the horizon (horizon_months)'],
        ['plan.extensions.return_model.history[14][1]', 'a monthly log return must be from -5 to 5'],
        ['extensions.glide_path[0].weights', 'must sum to 1, sum to 1.1'],
        ['extensions.glide_path[1].weights[2]', 'must be 0 or more'],
        ['extensions.withdrawal', 'unknown variant `guardrails`'],
      ),
      known,
    );
    expect(r.general).toEqual([]);
    expect(r.fields).toEqual({
      'extensions.goals[1].month': 'must be before the horizon (horizon_months)',
      'extensions.return_model.history': 'a monthly log return must be from -5 to 5',
      'extensions.glide_path[0].weights': 'must sum to 1, sum to 1.1',
      'extensions.glide_path[1].weights[2]': 'must be 0 or more',
      'extensions.withdrawal': 'unknown variant `guardrails`',
    });
  });

  it('says the rest under the form, naming the field', () => {
    const r = placeRefusal(refused(['horizon_months', 'must be at least 1'], ['extensions.goals[7].month', 'must be before the horizon']), known);
    // Goal 8 is not on the form (it has two): its list takes the message.
    expect(r.fields).toEqual({ 'extensions.goals': 'must be before the horizon' });
    expect(r.general).toEqual(['horizon_months: must be at least 1']);
    expect(placeRefusal(new Error('network down'), known)).toEqual({ fields: {}, general: ['network down'] });
    expect(placeRefusal(new ApiProblem(409, 'conflict', 'taken'), known)).toEqual({ fields: {}, general: ['taken'] });
    expect(placeRefusal(null, known)).toEqual({ fields: {}, general: [] });
  });

  it('joins two messages about one field', () => {
    const r = placeRefusal(refused(['extensions.spending_floor', 'a'], ['extensions.spending_floor', 'b']), known);
    expect(r.fields['extensions.spending_floor']).toBe('a; b');
  });
});

describe('the plan around the extensions', () => {
  const plan: PlanSpec = {
    ...DEFAULT_SPEC,
    monthly_contribution: 900,
    asset_classes: [
      { name: 'stocks', mu: 0.07, sigma: 0.15 },
      { name: 'cash', mu: 0.01, sigma: 0.01 },
    ],
    weights: [0.7, 0.3],
    correlation: [[1, 0], [0, 1]],
    rebalance_band: 0.1,
    extensions: { goals: [{ name: 'old', amount: 1, month: 1, priority: 'want' }] },
  };

  it('keeps every other field of the stored plan and replaces the extensions', () => {
    const ext: PlanExtensions = { spending_floor: 3000 };
    expect(planWith(plan, ext)).toEqual({ ...plan, extensions: ext });
    const without = planWith(plan, {});
    expect(without).toEqual({ ...plan, extensions: undefined });
    expect('extensions' in without).toBe(false);
    expect(planWith(null, ext)).toEqual({ ...DEFAULT_SPEC, extensions: ext });
  });

  it('names the classes and their weights for a new glide point', () => {
    expect(classNames(plan)).toEqual(['stocks', 'cash']);
    expect(planWeights(plan)).toEqual([0.7, 0.3]);
    expect(classNames(null)).toEqual(['us_equity', 'intl_equity', 'bonds']);
    expect(planWeights(null)).toEqual([0.6, 0.2, 0.2]);
    expect(planWeights({ ...plan, weights: null })).toEqual([0.5, 0.5]);
  });

  it('says whether anything is switched on', () => {
    expect(hasExtensions(undefined)).toBe(false);
    expect(hasExtensions({})).toBe(false);
    expect(hasExtensions({ goals: [] })).toBe(false);
    expect(hasExtensions({ spending_floor: 0 })).toBe(true);
    expect(hasExtensions(plan.extensions)).toBe(true);
  });
});

describe('the results', () => {
  const pcts = (m: number) => ({ p5: m / 2, p25: m * 0.8, p50: m, p75: m * 1.2, p95: m * 2 });
  const summary = (over: Partial<SimulationSummary>): SimulationSummary => ({
    paths: 100,
    seed: 1,
    engine_version: 'test',
    success_probability: 0.9,
    success_standard_error: 0.03,
    terminal_real_wealth: pcts(500000),
    terminal_real_wealth_mean: 520000,
    fan_chart: [],
    ruin_probability_by_year: [],
    median_shortfall_years: null,
    ...over,
  });

  it('charts spending by year with the floor as a yearly line', () => {
    const data = spendingChartData({
      by_year: [{ year: 31, real_spending: pcts(60000) }, { year: 32, real_spending: pcts(58000) }],
      floor: 4000,
      share_of_years_below_floor: 0.1,
      paths_with_a_year_below_floor: 0.3,
    });
    expect(data).toEqual([[31, 32], [30000, 29000], [48000, 46400], [60000, 58000], [72000, 69600], [120000, 116000], [48000, 48000]]);
  });

  it('lists the goals with their month in words and their priority', () => {
    expect(goalLines([{ name: 'house', month: 60, priority: 'need', probability: 0.97, standard_error: 0.01 }], today)).toEqual([
      { name: 'house', when: 'Nov 2030, in 5 years', priority: 'Need', probability: 0.97, standardError: 0.01 },
    ]);
  });

  it('puts every model in a row, with why one did not run', () => {
    const r: CompareModelsResponse = {
      paths: 100,
      seed: 1,
      models: [
        {
          model: 'lognormal',
          description: 'normal',
          summary: summary({
            goals: [{ name: 'house', month: 60, priority: 'need', probability: 0.97, standard_error: 0.01 }],
            spending: { by_year: [], floor: 5000, share_of_years_below_floor: 0.25, paths_with_a_year_below_floor: 0.5 },
          }),
        },
        { model: 'bootstrap', description: 'history', unavailable: 'none of your holdings has price history' },
        { model: 'student_t', description: 'fat', summary: summary({ success_probability: 0.85 }) },
      ],
    };
    const rows = modelRows(r);
    expect(rows.map((m) => m.label)).toEqual(['Lognormal', 'Bootstrap', 'Student-t']);
    expect(rows[0]).toMatchObject({ success: 0.9, standardError: 0.03, medianWealth: 500000, leanYears: 0.25, goals: [{ name: 'house', probability: 0.97 }] });
    expect(rows[1]).toEqual({ model: 'bootstrap', label: 'Bootstrap', description: 'history', goals: [], unavailable: 'none of your holdings has price history' });
    expect(rows[2]?.leanYears).toBeUndefined();
    expect(rows[2]?.success).toBe(0.85);
  });
});
