import type { Account, ProfileResponse } from '../api/types';
import { isUnreachable } from '../api/unreachable';
import type { RefreshOutcome } from '../auth/session';

/** Where the dashboard opens once it knows about the session. */
export type Start =
  | { kind: 'signed-in'; account: Account }
  /** The server said there is no session: the sign-in page. */
  | { kind: 'signed-out' }
  /** The server could not be asked: the offline state, until the network is back. */
  | { kind: 'offline' };

/**
 * Restores the session (`restore`, the refresh cookie) and loads the account (`profile`),
 * and says where to open. A refusal from the server means signed out; no answer means offline,
 * never signed out: the shell may come from the service worker's cache while the server is out
 * of reach, and the cookie is probably still good. Never throws.
 */
export async function startUp(
  restore: () => Promise<RefreshOutcome>,
  profile: () => Promise<ProfileResponse>,
): Promise<Start> {
  let outcome: RefreshOutcome;
  try {
    outcome = await restore();
  } catch (e) {
    outcome = isUnreachable(e) ? 'unreachable' : 'refused';
  }
  if (outcome === 'unreachable') return { kind: 'offline' };
  if (outcome === 'refused') return { kind: 'signed-out' };
  try {
    const { account } = await profile();
    return { kind: 'signed-in', account: account as Account };
  } catch (e) {
    return isUnreachable(e) ? { kind: 'offline' } : { kind: 'signed-out' };
  }
}
