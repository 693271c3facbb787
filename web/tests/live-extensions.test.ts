import { describe, expect, it } from 'vitest';
import { explanationLine } from '../src/live/explain';
import { extensionsNotes, liveGoals } from '../src/live/extensions';
import type { LiveSimulation } from '../src/live/wire';

const p = { p5: 0, p25: 1, p50: 2, p75: 3, p95: 4 };

function simulation(over: Partial<LiveSimulation>): LiveSimulation {
  return {
    paths: 1000,
    seed: 7,
    starting_wealth: 100_000,
    wealth_source: 'holdings',
    monthly_contribution: 1500,
    monthly_spending: 4000,
    retirement_month: 300,
    horizon_months: 600,
    success_probability: 0.8,
    success_standard_error: 0.0126,
    terminal_real_wealth: p,
    ...over,
  };
}

describe('liveGoals', () => {
  it('lists each goal with when it is paid, its priority and its chance, in the plan’s order', () => {
    const goals = liveGoals(
      simulation({
        goals: [
          { name: 'house deposit', month: 60, priority: 'need', probability: 0.921, standard_error: 0.0085 },
          { name: 'boat', month: 0, priority: 'want', probability: 0.5, standard_error: 0.0158 },
          { name: 'sabbatical', month: 200, priority: 'wish', probability: 0.25, standard_error: 0.0137 },
        ],
      }),
    );
    expect(goals.map((g) => [g.name, g.when, g.priority, g.probability])).toEqual([
      ['house deposit', 'in 5 years', 'need', 0.921],
      ['boat', 'this month', 'want', 0.5],
      ['sabbatical', 'in 16 years 8 months', 'wish', 0.25],
    ]);
  });

  it('is empty for a plan without goals', () => {
    expect(liveGoals(simulation({}))).toEqual([]);
  });
});

describe('extensionsNotes', () => {
  it('says nothing for a plan without extensions or answered with all of them from prepared paths', () => {
    expect(extensionsNotes(simulation({}))).toEqual([]);
    expect(extensionsNotes(simulation({ extensions: { method: 'incremental' } }))).toEqual([]);
  });

  it('says why a plan is simulated afresh and what the numbers leave out', () => {
    const notes = extensionsNotes(
      simulation({
        extensions: {
          method: 'resimulated',
          resimulated_because: 'the withdrawal strategy sets spending from wealth',
          left_out: 'the bootstrap return model, whose history comes from your holdings: none has prices',
        },
      }),
    );
    expect(notes).toEqual([
      'Simulated afresh at every update, since wealth shapes the cash flows: the withdrawal strategy sets spending from wealth.',
      'These numbers leave out the bootstrap return model, whose history comes from your holdings: none has prices.',
    ]);
  });
});

describe('an explanation naming the extensions', () => {
  it('calls them the owner’s new goals, income or models', () => {
    const line = explanationLine(
      { since_seq: 1, since_ms: 0, total: 0.05, market: 0, plan: 0.05, rest: 0, changed_inputs: [{ input: 'extensions' }] },
      0,
      'UTC',
    );
    expect(line).toBe('+5.0 points since 00:00: your new goals, income or models +5.0');
  });
});
