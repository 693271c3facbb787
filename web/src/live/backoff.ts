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

/** The close code of a node that is stopping (and of a client gone silent, without a hint). */
export const GOING_AWAY = 1001;

/**
 * The `retry_after_ms` a stopping node puts in the JSON reason of its 1001 close
 * (`{"reason":"the server is stopping","retry_after_ms":1000}`), or undefined for any other
 * close, or a reason that is not such JSON (a 1001 for silence carries plain text).
 */
export function retryHint(code: number, reason: string): number | undefined {
  if (code !== GOING_AWAY || !reason.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(reason);
  } catch {
    return undefined;
  }
  const ms = (parsed as { retry_after_ms?: unknown } | null)?.retry_after_ms;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/**
 * The delay before reconnecting when the server said how long to wait: the hint, capped at
 * the policy's `capMs` (a wrong hint must not park the client), plus up to `jitter` of it
 * more, so the clients of a stopping node do not all come back in the same millisecond. The
 * spread is at least `jitter` of `baseMs`, even for a hint of 0.
 */
export function hintedDelay(
  hintMs: number,
  random: () => number = Math.random,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  const wait = Math.min(hintMs, policy.capMs);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(wait + Math.max(wait, policy.baseMs) * policy.jitter * r);
}
