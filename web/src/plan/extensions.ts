import type { PlanExtensions } from '../api/types';

/**
 * Whether a plan's extensions switch anything on, which the plan page then points to (its
 * live numbers, what-if sliders and solve answers include them). (Its own module: the plan
 * page loads with the app, the plan details page's logic only with that page.)
 */
export function hasExtensions(ext: PlanExtensions | null | undefined): boolean {
  if (!ext) return false;
  return Object.values(ext).some((v) => v != null && !(Array.isArray(v) && v.length === 0));
}
