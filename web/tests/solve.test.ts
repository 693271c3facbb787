import { describe, expect, it } from 'vitest';
import { leverValue } from '../src/components/SolvePanel';

describe('leverValue', () => {
  it('says a retirement month in years and months from now', () => {
    expect(leverValue('retirement_month', 481)).toBe('month 481 (in 40 years 1 month)');
    expect(leverValue('retirement_month', 24)).toBe('month 24 (in 2 years)');
    expect(leverValue('retirement_month', 1)).toBe('month 1 (in 1 month)');
    expect(leverValue('retirement_month', 0)).toBe('month 0 (now)');
  });

  it('says money to the cent', () => {
    expect(leverValue('monthly_spending', 2619.38)).toContain('2,619.38');
    expect(leverValue('initial_wealth', 1708930.78)).toContain('1,708,930.78');
  });
});
