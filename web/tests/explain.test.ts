import { describe, expect, it } from 'vitest';
import { explanationLine, planLabel, signedPoints, sinceTime } from '../src/live/explain';
import type { Explanation } from '../src/live/wire';

// 2024-12-06 10:42:17 UTC.
const AT = Date.UTC(2024, 11, 6, 10, 42, 17);
const LATER = AT + 3 * 3600_000;

function explanation(over: Partial<Explanation>): Explanation {
  return { since_seq: 3, since_ms: AT, total: 0, market: 0, plan: 0, rest: 0, changed_inputs: [], ...over };
}

describe('explanationLine', () => {
  it('says the market and the named edit with their signs, as the issue shows', () => {
    const e = explanation({
      total: -0.021,
      market: -0.026,
      plan: 0.005,
      changed_inputs: [{ input: 'monthly_contribution', from: 1500, to: 2500 }],
    });
    expect(explanationLine(e, LATER, 'UTC')).toBe('−2.1 points since 10:42: market −2.6, your higher contribution +0.5');
  });

  it('leaves out parts that round to nothing and names what moved the wealth', () => {
    expect(explanationLine(explanation({ total: -0.004, market: -0.004 }), LATER, 'UTC')).toBe('−0.4 points since 10:42: market −0.4');
    const bought = explanation({ total: 0.012, market: 0.012, changed_inputs: [{ input: 'holdings' }] });
    expect(explanationLine(bought, LATER, 'UTC')).toBe('+1.2 points since 10:42: market and holdings +1.2');
    const switched = explanation({ total: -0.3, rest: -0.3 });
    expect(explanationLine(switched, LATER, 'UTC')).toBe('−30.0 points since 10:42: other −30.0');
    expect(explanationLine(explanation({}), LATER, 'UTC')).toBe('0.0 points since 10:42');
  });

  it('keeps the parts that cancel out', () => {
    const e = explanation({
      market: -0.003,
      plan: 0.003,
      changed_inputs: [{ input: 'retirement_month', from: 360, to: 372 }],
    });
    expect(explanationLine(e, LATER, 'UTC')).toBe('0.0 points since 10:42: market −0.3, your later retirement +0.3');
  });

  it('says the day when the reference was not today', () => {
    expect(sinceTime(AT, AT + 86_400_000, 'UTC')).toBe('6 Dec 10:42');
    expect(sinceTime(AT, LATER, 'UTC')).toBe('10:42');
    expect(sinceTime(AT, LATER, 'Asia/Tokyo')).toBe('19:42');
  });
});

describe('planLabel', () => {
  it('reads the direction of numbers and names the rest', () => {
    expect(planLabel([{ input: 'monthly_spending', from: 5000, to: 4000 }])).toBe('your lower spending');
    expect(planLabel([{ input: 'weights' }])).toBe('your new allocation');
    expect(
      planLabel([
        { input: 'monthly_contribution', from: 1500, to: 1000 },
        { input: 'retirement_month', from: 360, to: 348 },
      ]),
    ).toBe('your lower contribution and earlier retirement');
    expect(
      planLabel([{ input: 'annual_fee', from: 0.002, to: 0.004 }, { input: 'asset_classes' }, { input: 'correlation' }]),
    ).toBe('your plan changes');
    expect(planLabel([{ input: 'holdings' }])).toBe('your plan');
  });
});

describe('signedPoints', () => {
  it('is in points to a tenth, with a real minus sign', () => {
    expect(signedPoints(0.0051)).toBe('+0.5');
    expect(signedPoints(-0.021)).toBe('−2.1');
    expect(signedPoints(0.00004)).toBe('0.0');
    expect(signedPoints(-0.00004)).toBe('0.0');
  });
});
