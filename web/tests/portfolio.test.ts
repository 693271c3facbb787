import { describe, expect, it } from 'vitest';
import { ApiProblem } from '../src/api/problem';
import {
  allocationRows,
  bandStatus,
  countPoints,
  currentWeights,
  DEFAULT_CONTROLS,
  estimateFields,
  frontierChartData,
  fromPercent,
  objectiveOf,
  planFailure,
  refusalOf,
  seriesData,
  targetWeights,
} from '../src/portfolio/model';

const p = (volatility: number, expected_return: number) => ({ volatility, expected_return });

describe('the frontier as chart series', () => {
  it('puts the frontier and each marker on an ascending volatility axis, null elsewhere', () => {
    const [xs, frontier, current, optimum] = frontierChartData([p(0.1, 0.05), p(0.12, 0.07), p(0.2, 0.1)], {
      current: p(0.15, 0.06),
      optimum: p(0.12, 0.07),
    });
    expect(xs).toEqual([0.1, 0.12, 0.12, 0.15, 0.2]);
    expect(frontier).toEqual([0.05, 0.07, null, null, 0.1]);
    // Equal volatilities keep the frontier first (a stable sort), then the markers.
    expect(optimum).toEqual([null, null, 0.07, null, null]);
    expect(current).toEqual([null, null, null, 0.06, null]);
    expect(countPoints(frontier)).toBe(3);
    expect(countPoints(current)).toBe(1);
  });

  it('leaves out a missing marker and points that are not numbers', () => {
    const [xs, frontier, current, optimum] = frontierChartData([p(0.2, 0.1), p(Number.NaN, 0.2), p(0.1, 0.05)], { current: null });
    expect(xs).toEqual([0.1, 0.2]);
    expect(frontier).toEqual([0.05, 0.1]);
    expect(countPoints(current)).toBe(0);
    expect(countPoints(optimum)).toBe(0);
  });
});

describe('the optimiser\'s weights as rebalance targets', () => {
  it('drops dust and negatives, caps at 1 and sums to exactly 1', () => {
    const t = targetWeights({ AAPL: 0.689231, JNJ: -1e-12, KO: 0.188539, XOM: 0.12223, MSFT: 3e-7 });
    expect(Object.keys(t).sort()).toEqual(['AAPL', 'KO', 'XOM']);
    expect(Object.values(t).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(t.AAPL).toBeCloseTo(0.689231 / (0.689231 + 0.188539 + 0.12223), 12);
  });
  it('gives nothing for nothing', () => {
    expect(targetWeights({ A: 0, B: -0.2 })).toEqual({});
  });
});

describe('the allocation table', () => {
  it('sums values per symbol across accounts, leaving out the unpriced', () => {
    expect(
      currentWeights([
        { symbol: 'AAPL', market_value: 300 },
        { symbol: 'KO', market_value: 500 },
        { symbol: 'AAPL', market_value: 200 },
        { symbol: 'XOM', market_value: null },
      ]),
    ).toEqual({ AAPL: 0.5, KO: 0.5 });
    expect(currentWeights([{ symbol: 'XOM' }])).toEqual({});
  });

  it('merges current and suggested weights, largest suggestion first, with totals', () => {
    const { rows, total } = allocationRows({ AAPL: 0.5, KO: 0.3, JNJ: 0.2 }, { AAPL: 0.7, XOM: 0.3 });
    expect(rows).toEqual([
      { symbol: 'AAPL', current: 0.5, suggested: 0.7, change: expect.closeTo(0.2, 12) as number },
      { symbol: 'XOM', current: 0, suggested: 0.3, change: 0.3 },
      { symbol: 'JNJ', current: 0.2, suggested: 0, change: -0.2 },
      { symbol: 'KO', current: 0.3, suggested: 0, change: -0.3 },
    ]);
    expect(total.current).toBeCloseTo(1, 12);
    expect(total.suggested).toBeCloseTo(1, 12);
  });
});

describe('a refusal\'s messages', () => {
  const known = ['risk_free_rate', 'from'];
  it('go beside the controls they name, the rest by themselves, each once', () => {
    const frontier = new ApiProblem(422, 'validation_failed', 'invalid value for from', [{ field: 'from', message: 'must not be after `to`' }]);
    const optimise = new ApiProblem(422, 'validation_failed', 'invalid', [
      { field: 'from', message: 'must not be after `to`' },
      { field: 'risk_free_rate', message: 'no portfolio beats it' },
      { field: 'symbols[0]', message: 'no price history for AAPL' },
    ]);
    expect(refusalOf([frontier, optimise, null], known)).toEqual({
      fields: { from: 'must not be after `to`', risk_free_rate: 'no portfolio beats it' },
      general: ['no price history for AAPL'],
    });
  });
  it('say a problem without fields, or another error, as a whole', () => {
    expect(refusalOf([new ApiProblem(503, 'unavailable', 'shutting down'), new Error('offline')], known)).toEqual({
      fields: {},
      general: ['shutting down', 'offline'],
    });
  });
});

describe('a planning action\'s failure', () => {
  it('says when the server has no such route, and names the symbol a weight is about', () => {
    expect(planFailure(new ApiProblem(404, 'not_found', 'no such route'), 'not here yet')).toBe('not here yet');
    expect(planFailure(new ApiProblem(404, 'not_found', 'no plan', [{ field: 'plan', message: 'no plan stored' }]), 'x')).toBe('no plan stored');
    expect(
      planFailure(new ApiProblem(422, 'validation_failed', 'invalid', [{ field: 'weights.XOM', message: 'is not held, so its class is unknown' }]), 'x'),
    ).toBe('XOM: is not held, so its class is unknown');
    expect(planFailure(new Error('offline'), 'x')).toBe('offline');
  });
});

describe('the controls as request fields', () => {
  it('reads percentages', () => {
    expect(fromPercent(' 2.5 ')).toBeCloseTo(0.025, 12);
    expect(fromPercent('')).toBeUndefined();
    expect(fromPercent('x')).toBeNaN();
  });
  it('builds each objective', () => {
    const c = { ...DEFAULT_CONTROLS, targetReturn: '12', targetVolatility: '15', cvarLevel: '95' };
    expect(objectiveOf({ ...c, objective: 'max_sharpe' })).toEqual({ kind: 'max_sharpe' });
    expect(objectiveOf({ ...c, objective: 'min_variance' })).toEqual({ kind: 'min_variance' });
    expect(objectiveOf({ ...c, objective: 'efficient_return' })).toEqual({ kind: 'efficient_return', target_return: 0.12 });
    expect(objectiveOf({ ...c, objective: 'efficient_risk' })).toEqual({ kind: 'efficient_risk', target_volatility: 0.15 });
    expect(objectiveOf({ ...c, objective: 'min_cvar' })).toEqual({ kind: 'min_cvar', beta: 0.95 });
  });
  it('leaves empty fields to the server\'s defaults', () => {
    expect(estimateFields({ ...DEFAULT_CONTROLS, riskFree: '' })).toEqual({ covariance: 'sample' });
    expect(estimateFields({ ...DEFAULT_CONTROLS, covariance: 'ledoit_wolf', from: '2018-01-02', to: '2022-12-28' })).toEqual({
      covariance: 'ledoit_wolf',
      risk_free_rate: 0.02,
      from: '2018-01-02',
      to: '2022-12-28',
    });
  });
});

describe('the live band status', () => {
  it('says inside, outside with the trades, or nothing held', () => {
    const base = { band: 0.05, outside_band: false, rebalance_trades: 0, total_value: 1000 };
    expect(bandStatus(base)).toEqual({ outside: false, text: expect.stringMatching(/^Inside the band: .* 5\.0 points/) as string });
    expect(bandStatus({ ...base, outside_band: true, rebalance_trades: 1 }).text).toMatch(/; 1 trade brings it back\.$/);
    expect(bandStatus({ ...base, outside_band: true, rebalance_trades: 3 })).toEqual({
      outside: true,
      text: expect.stringMatching(/; 3 trades bring it back\.$/) as string,
    });
    expect(bandStatus({ ...base, total_value: 0 }).text).toMatch(/^Nothing priced/);
  });
});

describe('a value series', () => {
  it('puts days at UTC midnight in seconds', () => {
    expect(seriesData([{ date: '2022-12-27', value: 10 }, { date: '2022-12-28', value: 11 }])).toEqual([
      [1672099200, 1672185600],
      [10, 11],
    ]);
  });
});
