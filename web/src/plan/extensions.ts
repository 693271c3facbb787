import type { PlanExtensions } from '../api/types';

/**
 * Whether a plan's extensions switch anything on; the solver leaves them out, which the plan
 * page says (the live numbers and what-if sliders include them). (Its own module: the plan
 * page loads with the app, the plan details page's logic only with that page.)
 */
export function hasExtensions(ext: PlanExtensions | null | undefined): boolean {
  if (!ext) return false;
  return Object.values(ext).some((v) => v != null && !(Array.isArray(v) && v.length === 0));
}
