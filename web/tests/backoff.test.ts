import { describe, expect, it } from 'vitest';
import { hintedDelay, retryHint, type BackoffPolicy } from '../src/live/backoff';

const POLICY: BackoffPolicy = { baseMs: 500, capMs: 30_000, jitter: 0.5 };
const STOPPING = JSON.stringify({ reason: 'the server is stopping', retry_after_ms: 1000 });

describe('retryHint', () => {
  it('reads retry_after_ms from the JSON reason of a 1001 close', () => {
    expect(retryHint(1001, STOPPING)).toBe(1000);
    expect(retryHint(1001, '{"retry_after_ms":0}')).toBe(0);
  });

  it('ignores other codes, plain reasons and malformed or unusable hints', () => {
    expect(retryHint(1000, STOPPING)).toBeUndefined();
    expect(retryHint(1006, '')).toBeUndefined();
    expect(retryHint(1001, 'no frames from the client')).toBeUndefined();
    expect(retryHint(1001, '{"retry_after_ms":')).toBeUndefined();
    expect(retryHint(1001, 'null')).toBeUndefined();
    expect(retryHint(1001, '{"retry_after_ms":"1000"}')).toBeUndefined();
    expect(retryHint(1001, '{"retry_after_ms":-5}')).toBeUndefined();
    expect(retryHint(1001, '{"reason":"the server is stopping"}')).toBeUndefined();
  });
});

describe('hintedDelay', () => {
  it('waits the hint plus up to the jitter share of it, never less', () => {
    expect(hintedDelay(1000, () => 0, POLICY)).toBe(1000);
    expect(hintedDelay(1000, () => 1, POLICY)).toBe(1500);
    expect(hintedDelay(1000, () => 0.5, POLICY)).toBe(1250);
  });

  it('spreads even a hint of zero, and caps a hint beyond the policy', () => {
    expect(hintedDelay(0, () => 1, POLICY)).toBe(250);
    expect(hintedDelay(3_600_000, () => 0, POLICY)).toBe(30_000);
    expect(hintedDelay(3_600_000, () => 1, POLICY)).toBe(45_000);
  });
});
