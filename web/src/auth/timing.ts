/** How long before expiry a token is renewed: enough to survive a slow network and clock skew. */
export const REFRESH_MARGIN_MS = 60_000;

/**
 * When to renew a token that expires at `expiresAtMs`: a minute before, or at half its
 * remaining life when that is shorter (short-lived tokens in tests), never in the past.
 */
export function refreshAt(nowMs: number, expiresAtMs: number, marginMs = REFRESH_MARGIN_MS): number {
  const remaining = expiresAtMs - nowMs;
  if (remaining <= 0) return nowMs;
  const lead = Math.min(marginMs, remaining / 2);
  return Math.round(expiresAtMs - lead);
}
