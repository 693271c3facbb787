/**
 * WebSocket message types, generated: `src/api/schema.d.ts` comes from `docs/openapi.json`,
 * whose components carry `ClientMessage` and `ServerMessage` (protocol/src/ws.rs) and the
 * live types (protocol/src/live.rs). Names here are the ones the app uses.
 */
import type { components } from '../api/schema';

type Schemas = components['schemas'];

export type Percentiles = Schemas['PercentilesView'];
export type FanChartPoint = Schemas['FanChartPoint'];
export type LiveSimulation = Schemas['LiveSimulation'];
export type ClassWeight = Schemas['ClassWeight'];
export type LivePortfolio = Schemas['LivePortfolio'];
export type LiveState = Schemas['LiveState'];
export type TickSummary = Schemas['TickSummary'];
export type LiveAlert = Schemas['LiveAlert'];
export type Proposal = Schemas['Proposal'];
export type LiveRecommendations = Schemas['LiveRecommendations'];
export type WhatIfChanges = Schemas['WhatIfChanges'];
export type WhatIfAnswer = Schemas['WhatIfAnswer'];
export type Explanation = Schemas['Explanation'];
export type ChangedInput = Schemas['ChangedInput'];
export type ExplainedInput = Schemas['ExplainedInput'];
export type SolveAnswer = Schemas['SolveAnswer'];
export type SolveFor = Schemas['SolveFor'];
export type WealthSource = Schemas['WealthSource'];
export type ClientMessage = Schemas['ClientMessage'];
export type ServerMessage = Schemas['ServerMessage'];

export const SUBPROTOCOL_JSON = 'glidepath.v1.json';

/** Close codes of protocol/src/ws.rs `close`. */
export const CLOSE = {
  TOKEN_EXPIRED: 4001,
  AUTH_REQUIRED: 4401,
  TOO_SLOW: 4008,
  ACCOUNT_CLOSED: 4403,
} as const;
