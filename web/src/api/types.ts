/** Short names for the generated REST types (`npm run gen:api` writes schema.d.ts). */
import type { components } from './schema';

type S = components['schemas'];

export type AccountView = S['AccountView'];
export type ProfileResponse = S['ProfileResponse'];
export type Role = S['Role'];
export type PlanSpec = S['PlanSpec'];
export type AssetClassSpec = S['AssetClassSpec'];
export type HoldingView = S['HoldingView'];
export type CreateHoldingRequest = S['CreateHoldingRequest'];
export type UpdateHoldingRequest = S['UpdateHoldingRequest'];
export type AllocationsResponse = S['AllocationsResponse'];
export type GoalView = S['GoalView'];
export type GoalStatus = S['GoalStatus'];
export type CreateGoalRequest = S['CreateGoalRequest'];
export type UpdateGoalRequest = S['UpdateGoalRequest'];
export type AlertRuleView = S['AlertRuleView'];
export type AlertView = S['AlertView'];
export type AlertKind = S['AlertKind'];
export type CreateAlertRuleRequest = S['CreateAlertRuleRequest'];
export type AdvisorClient = S['AdvisorClient'];
export type GrantView = S['GrantView'];
export type FeedsResponse = S['FeedsResponse'];
export type LiveState = S['LiveState'];

/** A page of a list (`?limit=&offset=`). */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** `AccountView` with the contract's `demo` flag, whether or not this server sends it yet. */
export type Account = AccountView & { demo?: boolean };
