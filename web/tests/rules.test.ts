import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../src/live/backoff';
import { isGap } from '../src/live/seq';
import { refreshAt } from '../src/auth/timing';

describe('the seq/skipped rule', () => {
  it('accepts the next seq, and the next after counted skips', () => {
    expect(isGap(4, 5, 0)).toBe(false);
    expect(isGap(4, 7, 2)).toBe(false);
  });
  it('flags anything else as a gap', () => {
    expect(isGap(4, 6, 0)).toBe(true); // one missing, not counted
    expect(isGap(4, 6, 2)).toBe(true); // counted more than went missing
    expect(isGap(4, 4, 0)).toBe(true); // a repeat
    expect(isGap(4, 3, 0)).toBe(true); // backwards
    expect(isGap(undefined, 1, 0)).toBe(true); // an update with no snapshot before it
  });
});

describe('the reconnect backoff', () => {
  it('doubles from 500 ms up to the 30 s cap', () => {
    const noJitter = () => 0;
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffDelay(a, noJitter))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    expect(backoffDelay(1000, noJitter)).toBe(30000);
  });
  it('draws each delay from the upper half of its step', () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const top = Math.min(DEFAULT_BACKOFF.capMs, DEFAULT_BACKOFF.baseMs * 2 ** attempt);
      expect(backoffDelay(attempt, () => 1)).toBe(top / 2);
      for (const r of [0.1, 0.37, 0.9]) {
        const d = backoffDelay(attempt, () => r);
        expect(d).toBeGreaterThanOrEqual(top / 2);
        expect(d).toBeLessThanOrEqual(top);
      }
    }
  });
  it('spreads clients that lost the connection together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5)));
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe('token refresh timing', () => {
  it('renews a minute before expiry', () => {
    const now = 1_000_000;
    expect(refreshAt(now, now + 900_000)).toBe(now + 840_000);
  });
  it('renews short-lived tokens at half their remaining life', () => {
    const now = 5_000;
    expect(refreshAt(now, now + 60_000)).toBe(now + 30_000);
    expect(refreshAt(now, now + 2_000)).toBe(now + 1_000);
  });
  it('renews an expired token at once', () => {
    expect(refreshAt(10_000, 9_000)).toBe(10_000);
  });
});
