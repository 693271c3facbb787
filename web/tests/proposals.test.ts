import { describe, expect, it } from 'vitest';
import { describeChanges, merged } from '../src/components/Proposals';
import type { Proposal } from '../src/api/types';

function proposal(id: string, createdAt: string, status: Proposal['status'] = 'pending'): Proposal {
  return {
    id,
    advisor_id: 'a',
    advisor_email: 'advisor@example.com',
    client_id: 'c',
    message: 'm',
    changes: { monthly_contribution: 100 },
    success_before: 0.5,
    success_after: 0.6,
    status,
    created_at: createdAt,
  };
}

describe('proposals', () => {
  it('say every changed input in words, and nothing else', () => {
    expect(describeChanges({ monthly_contribution: 5000, retirement_month: 300 })).toBe(
      'Monthly contribution → 5,000; Retirement in → 25 years',
    );
    expect(describeChanges({ weights: [0.5, 0.25, 0.25] })).toBe('Weights → 50% / 25% / 25%');
    expect(describeChanges({})).toBe('');
  });

  it('lay live frames over the stored list, the newest frame of a proposal winning, newest proposal first', () => {
    const stored = [proposal('old', '2026-12-01T00:00:00Z'), proposal('x', '2026-12-02T00:00:00Z')];
    // Live frames arrive newest first (as useLive keeps them).
    const live = [proposal('x', '2026-12-02T00:00:00Z', 'declined'), proposal('new', '2026-12-03T00:00:00Z')];
    const list = merged(stored, live);
    expect(list.map((p) => [p.id, p.status])).toEqual([
      ['new', 'pending'],
      ['x', 'declined'],
      ['old', 'pending'],
    ]);
    expect(merged(null, [])).toEqual([]);
  });
});
