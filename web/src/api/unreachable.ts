import { ApiProblem } from './problem';

/**
 * What a gateway in front of the server answers when the server behind it is down or slow
 * (deploy/ puts nginx there): no verdict of Glidepath's either.
 */
const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * Whether `error` means the request got no answer from the server, rather than an answer
 * refusing it: `fetch` failing (offline, DNS, connection refused, which it reports as a
 * `TypeError`), anything else that is not the server's problem body, or a gateway's 502/503/504.
 * A 401 or any other problem the server sent is a verdict and is not unreachable.
 */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof ApiProblem) return GATEWAY_STATUSES.has(error.status);
  return true;
}
