/** Short names for the generated REST types (`npm run gen:api` writes schema.d.ts). */
import type { components, operations } from './schema';

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
export type SegmentsResponse = S['SegmentsResponse'];
export type GrantView = S['GrantView'];
export type Proposal = S['Proposal'];
export type Recommendation = S['Recommendation'];
export type RecommendationsResponse = S['RecommendationsResponse'];
export type NewProposal = S['NewProposal'];
export type FeedsResponse = S['FeedsResponse'];
export type LiveState = S['LiveState'];
export type CovarianceMethod = S['CovarianceMethod'];
export type Objective = S['Objective'];
export type FrontierRequest = S['FrontierRequest'];
export type FrontierResponse = S['FrontierResponse'];
export type OptimizeRequest = S['OptimizeRequest'];
export type OptimizeResponse = S['OptimizeResponse'];
export type OptimizedPortfolio = S['OptimizedPortfolio'];
export type RiskReturn = S['RiskReturn'];
export type EstimateSummary = S['EstimateSummary'];
export type RebalanceRequest = S['RebalanceRequest'];
export type RebalanceResponse = S['RebalanceResponse'];
export type RebalancePosition = S['RebalancePosition'];
export type TradeView = S['TradeView'];
export type PerformanceResponse = S['PerformanceResponse'];
export type PerformanceView = S['PerformanceView'];
export type ValuePoint = S['ValuePoint'];
export type PriceHistory = S['PriceHistory'];
export type DerivedAssumptions = S['DerivedAssumptions'];
export type PlanAssumptions = S['PlanAssumptions'];
export type AssumptionsCovariance = S['AssumptionsCovariance'];
export type ApplyAllocationRequest = S['ApplyAllocationRequest'];
export type AllocationApplied = S['AllocationApplied'];
export type GoalOptimizationRequest = S['GoalOptimizationRequest'];
export type GoalOptimizationResponse = S['GoalOptimizationResponse'];
export type LeverAnswer = S['LeverAnswer'];
export type SolveFor = S['SolveFor'];
export type PlanExtensions = S['PlanExtensions'];
export type PlanGoal = S['PlanGoal'];
export type GoalPriority = S['GoalPriority'];
export type IncomeStreamSpec = S['IncomeStreamSpec'];
export type ColaKind = S['ColaKind'];
export type CashEventSpec = S['CashEventSpec'];
export type WithdrawalSpec = S['WithdrawalSpec'];
export type GlidePointSpec = S['GlidePointSpec'];
export type ReturnModelSpec = S['ReturnModelSpec'];
export type RegimeSpec = S['RegimeSpec'];
export type InflationModelSpec = S['InflationModelSpec'];
export type SimulationRequest = S['SimulationRequest'];
export type SimulationResponse = S['SimulationResponse'];
export type SimulationSummary = S['SimulationSummary'];
export type GoalOutcomeView = S['GoalOutcomeView'];
export type SpendingView = S['SpendingView'];
export type CompareModelsRequest = S['CompareModelsRequest'];
export type CompareModelsResponse = S['CompareModelsResponse'];
export type ModelOutcome = S['ModelOutcome'];
export type ComparedModel = S['ComparedModel'];
export type SolveAnswer = S['SolveAnswer'];
export type PerformanceQuery = NonNullable<operations['performance']['parameters']['query']>;

/** A page of a list (`?limit=&offset=`). */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** `AccountView` with the contract's `demo` flag, whether or not this server sends it yet. */
export type Account = AccountView & { demo?: boolean };
export type RiskAnswers = S['RiskAnswers'];
export type RiskAssessment = S['RiskAssessment'];
export type StoredRiskAnswers = S['StoredRiskAnswers'];
export type RiskItem = S['RiskItem'];
export type RiskBinding = S['RiskBinding'];
