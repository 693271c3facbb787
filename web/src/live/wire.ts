/**
 * WebSocket message types (protocol/src/ws.rs, protocol/src/live.rs).
 *
 * TEMPORARY: written by hand until `docs/openapi.json` carries `ClientMessage` and
 * `ServerMessage` as components; then this file becomes aliases of the generated
 * `components['schemas']` in `src/api/schema.d.ts`, and nothing else changes.
 */

export interface Percentiles {
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
}

export interface FanChartPoint {
  year: number;
  real_wealth: Percentiles;
}

export interface LiveSimulation {
  paths: number;
  seed: number;
  starting_wealth: number;
  wealth_source: 'holdings' | 'plan';
  monthly_contribution: number;
  success_probability: number;
  success_standard_error: number;
  terminal_real_wealth: Percentiles;
  /** Present only on a subscription that asked for `fan_chart`. */
  fan_chart?: FanChartPoint[] | null;
}

export interface ClassWeight {
  asset_class: string;
  value: number;
  weight: number;
  target: number;
  drift: number;
}

export interface LivePortfolio {
  total_value: number;
  classes: ClassWeight[];
  max_abs_drift: number;
  unpriced: string[];
}

export interface LiveState {
  user_id: string;
  simulation: LiveSimulation;
  portfolio: LivePortfolio;
  computed_at_ms: number;
}

export interface TickSummary {
  symbol: string;
  price: number;
  ts_ms: number;
}

export interface LiveAlert {
  id: string;
  rule_id: string | null;
  kind: string;
  message: string;
  value: number;
  at_ms: number;
}

export interface WhatIfChanges {
  monthly_contribution?: number;
  retirement_month?: number;
  monthly_spending?: number;
  weights?: number[];
}

export interface WhatIfAnswer {
  base: LiveSimulation;
  variant: LiveSimulation;
  success_probability_change: number;
  median_terminal_change: number;
}

export type ClientMessage =
  | { type: 'auth'; token: string }
  | { type: 'ping'; nonce: number }
  | { type: 'subscribe'; user_id?: string; fan_chart?: boolean }
  | { type: 'unsubscribe'; user_id?: string }
  | { type: 'what_if'; request_id: number; user_id?: string; changes: WhatIfChanges }
  | { type: 'commit'; request_id: number };

export type ServerMessage =
  | { type: 'welcome'; user_id: string; expires_at_ms: number }
  | { type: 'pong'; nonce: number }
  | { type: 'error'; code: string; message: string; field?: string; request_id?: number }
  | { type: 'snapshot'; stream: string; seq: number; state: LiveState }
  | {
      type: 'update';
      stream: string;
      seq: number;
      skipped: number;
      coalesced: number;
      ticks: TickSummary[];
      newest_tick_ms?: number;
      state: LiveState;
    }
  | { type: 'alert'; stream: string; alert: LiveAlert }
  | { type: 'unsubscribed'; stream: string; reason: string }
  | { type: 'what_if_result'; request_id: number; stream: string; answer: WhatIfAnswer }
  | { type: 'committed'; request_id: number };

export const SUBPROTOCOL_JSON = 'glidepath.v1.json';

/** Close codes of protocol/src/ws.rs `close`. */
export const CLOSE = {
  TOKEN_EXPIRED: 4001,
  AUTH_REQUIRED: 4401,
  TOO_SLOW: 4008,
  ACCOUNT_CLOSED: 4403,
} as const;
