import type { AuthSession } from '../auth/session';
import type {
  AdvisorClient,
  AlertRuleView,
  AlertView,
  AllocationApplied,
  ApplyAllocationRequest,
  AssumptionsCovariance,
  AllocationsResponse,
  CompareModelsRequest,
  CompareModelsResponse,
  CreateAlertRuleRequest,
  CreateGoalRequest,
  CreateHoldingRequest,
  DerivedAssumptions,
  FeedsResponse,
  FrontierRequest,
  FrontierResponse,
  GoalOptimizationRequest,
  GoalOptimizationResponse,
  GoalView,
  GrantView,
  NewProposal,
  Proposal,
  Recommendation,
  RecommendationsResponse,
  HoldingView,
  OptimizeRequest,
  OptimizeResponse,
  Page,
  PerformanceQuery,
  PerformanceResponse,
  PlanSpec,
  PriceHistory,
  ProfileResponse,
  RebalanceRequest,
  RebalanceResponse,
  RiskAnswers,
  RiskAssessment,
  SegmentsResponse,
  Role,
  SimulationRequest,
  SimulationResponse,
  StoredRiskAnswers,
  Account,
  UpdateGoalRequest,
  UpdateHoldingRequest,
} from './types';

/** `?a=1&b=x` of the given, defined values (none: the empty string). */
export function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The REST routes the dashboard uses, over the session's authenticated `request`. */
export function makeApi(auth: AuthSession) {
  const get = <T,>(path: string) => auth.request<T>('GET', path);
  const send = <T,>(method: string, path: string, body?: unknown) => auth.request<T>(method, path, body);
  const id = encodeURIComponent;
  return {
    profile: () => get<ProfileResponse>('/users/profile'),
    plan: () => get<PlanSpec>('/planning/plan'),
    putPlan: (plan: PlanSpec) => send<PlanSpec>('PUT', '/planning/plan', plan),
    holdings: () => get<Page<HoldingView>>('/portfolio/holdings?limit=100'),
    allocations: () => get<AllocationsResponse>('/portfolio/allocations'),
    addHolding: (h: CreateHoldingRequest) => send<HoldingView>('POST', '/portfolio/holdings', h),
    updateHolding: (hid: string, h: UpdateHoldingRequest) => send<HoldingView>('PUT', `/portfolio/holdings/${id(hid)}`, h),
    deleteHolding: (hid: string) => send<void>('DELETE', `/portfolio/holdings/${id(hid)}`),
    goals: () => get<Page<GoalView>>('/planning/goals?limit=100'),
    addGoal: (g: CreateGoalRequest) => send<GoalView>('POST', '/planning/goals', g),
    updateGoal: (gid: string, g: UpdateGoalRequest) => send<GoalView>('PUT', `/planning/goals/${id(gid)}`, g),
    deleteGoal: (gid: string) => send<void>('DELETE', `/planning/goals/${id(gid)}`),
    rules: () => get<Page<AlertRuleView>>('/alerts/rules?limit=100'),
    addRule: (r: CreateAlertRuleRequest) => send<AlertRuleView>('POST', '/alerts/rules', r),
    deleteRule: (rid: string) => send<void>('DELETE', `/alerts/rules/${id(rid)}`),
    alerts: () => get<Page<AlertView>>('/alerts?limit=50'),
    grants: () => get<Page<GrantView>>('/advisors/grants?limit=100'),
    grant: (advisorEmail: string) => send<GrantView>('POST', '/advisors/grants', { advisor_email: advisorEmail }),
    revoke: (advisorId: string) => send<void>('DELETE', `/advisors/grants/${id(advisorId)}`),
    advisorClients: () => get<AdvisorClient[]>('/advisor/clients'),
    segments: () => get<SegmentsResponse>('/advisor/segments'),
    proposals: () => get<Proposal[]>('/planning/proposals'),
    recommend: (targetSuccess: number) =>
      send<RecommendationsResponse>('POST', '/ml/recommendations', { target_success: targetSuccess }),
    recommendations: () => get<Recommendation[]>('/ml/recommendations'),
    answerRecommendation: (rid: string, answer: 'accept' | 'dismiss') =>
      send<Recommendation>('POST', `/ml/recommendations/${id(rid)}/${answer}`, {}),
    answerProposal: (pid: string, answer: 'accept' | 'decline') => send<Proposal>('POST', `/planning/proposals/${id(pid)}/${answer}`, {}),
    clientProposals: (clientId: string) => get<Proposal[]>(`/advisor/clients/${id(clientId)}/proposals`),
    propose: (clientId: string, p: NewProposal) => send<Proposal>('POST', `/advisor/clients/${id(clientId)}/proposals`, p),
    clientRecommendations: (clientId: string) => get<Recommendation[]>(`/advisor/clients/${id(clientId)}/recommendations`),
    users: (limit: number, offset: number, email?: string) =>
      get<Page<Account>>(`/admin/users?limit=${limit}&offset=${offset}${email ? `&email=${encodeURIComponent(email)}` : ''}`),
    setRole: (uid: string, role: Role) => send<Account>('PUT', `/admin/users/${id(uid)}/role`, { role }),
    setActive: (uid: string, active: boolean) => send<Account>('PUT', `/admin/users/${id(uid)}/status`, { active }),
    frontier: (r: FrontierRequest) => send<FrontierResponse>('POST', '/portfolio/frontier', r),
    optimize: (r: OptimizeRequest) => send<OptimizeResponse>('POST', '/portfolio/optimize', r),
    rebalance: (r: RebalanceRequest) => send<RebalanceResponse>('POST', '/portfolio/rebalance', r),
    performance: (q: PerformanceQuery) => get<PerformanceResponse>(`/portfolio/performance${query({ ...q })}`),
    prices: (symbol: string, from?: string, to?: string) =>
      get<PriceHistory>(`/market/prices/${id(symbol)}${query({ from, to })}`),
    derivedAssumptions: (q: { from?: string; to?: string; covariance?: AssumptionsCovariance }) =>
      get<DerivedAssumptions>(`/planning/assumptions/derived${query(q)}`),
    applyAllocation: (r: ApplyAllocationRequest) => send<AllocationApplied>('POST', '/planning/plan/allocation', r),
    simulate: (r: SimulationRequest) => send<SimulationResponse>('POST', '/simulations/monte-carlo', r),
    compareModels: (r: CompareModelsRequest) => send<CompareModelsResponse>('POST', '/simulations/compare-models', r),
    goalOptimization: (r: GoalOptimizationRequest) =>
      send<GoalOptimizationResponse>('POST', '/ml/goal-optimization', r),
    riskAssessment: (q: { success_threshold?: number } = {}) =>
      get<RiskAssessment>(`/ml/risk-assessment${query(q)}`),
    putRiskAnswers: (r: RiskAnswers) => send<StoredRiskAnswers>('PUT', '/ml/risk-assessment', r),
    feeds: () => get<FeedsResponse>('/market/feeds'),
    healthDetailed: () => get<Record<string, unknown>>('/health/detailed'),
  };
}

export type Api = ReturnType<typeof makeApi>;
