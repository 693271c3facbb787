/** Reconnect delays: exponential from `baseMs`, capped at `capMs`, with jitter. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  /** Share of the delay that is random (0..1): 0.5 draws from [d/2, d]. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000, jitter: 0.5 };

/**
 * The delay before reconnect attempt `attempt` (0 for the first). Jitter spreads the clients
 * a server restart disconnected all at once, so they do not come back in one wave.
 */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(exp * (1 - policy.jitter * r));
}
