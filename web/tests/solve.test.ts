import { afterEach, describe, expect, it, vi } from 'vitest';
import { headline, leverValue } from '../src/components/SolvePanel';
import { LiveSolver, type LiveSolveView } from '../src/live/solve';
import type { SolveOutcome } from '../src/live/stream';
import type { SolveFor } from '../src/live/wire';

describe('leverValue', () => {
  it('says a retirement month in years and months from now', () => {
    expect(leverValue('retirement_month', 481)).toBe('month 481 (in 40 years 1 month)');
    expect(leverValue('retirement_month', 24)).toBe('month 24 (in 2 years)');
    expect(leverValue('retirement_month', 1)).toBe('month 1 (in 1 month)');
    expect(leverValue('retirement_month', 0)).toBe('month 0 (now)');
  });

  it('says money to the cent', () => {
    expect(leverValue('monthly_spending', 2619.38)).toContain('2,619.38');
    expect(leverValue('initial_wealth', 1708930.78)).toContain('1,708,930.78');
  });

  it('says the equity share to a tenth of a point', () => {
    expect(leverValue('equity_share', 0.683)).toBe('68.3% in equity');
    expect(leverValue('equity_share', 0)).toBe('0.0% in equity');
  });
});

function spending(value: number, target = 0.85): SolveOutcome {
  return {
    ok: true, startingWealth: 115000, wealthSource: 'holdings',
    answer: { for: 'monthly_spending', value, target_success: target, search_success: target, achieved_success: target, standard_error: 0.01, paths: 1000, seed: 1 },
  };
}

describe('headline', () => {
  it('reads "you could spend up to X a month at 85%", or why not', () => {
    expect(headline(0.85, spending(2024.9))).toBe('You could spend up to 2,024.90 a month at 85%.');
    expect(headline(0.99, { ok: false, field: 'target_success', message: 'no monthly_spending from 0 to 1000000000 reaches a success of 0.99: at 0 it is 0.97' }))
      .toBe('No monthly spending reaches 99%: no monthly_spending from 0 to 1000000000 reaches a success of 0.99: at 0 it is 0.97');
    expect(headline(0.85, undefined)).toBeNull();
    expect(headline(0.85, { ok: false, message: 'connection lost', lost: true })).toBeNull();
  });
});

/** A server stand-in: requests wait until the test answers them. */
function scripted() {
  const asked: { lever: SolveFor; target: number; answer: (o: SolveOutcome) => void }[] = [];
  const views: LiveSolveView[] = [];
  let now = 0;
  const solver = new LiveSolver({
    ask: (lever, target) => new Promise((answer) => asked.push({ lever, target, answer })),
    onChange: (v) => views.push(v),
    levers: ['monthly_spending', 'initial_wealth'],
    minRoundMs: 2000,
    now: () => now,
  });
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { solver, asked, views, last: () => views[views.length - 1]!, advance: (ms: number) => (now += ms), settle };
}

describe('LiveSolver', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks each input in turn, one at a time, once there is a state and a target', async () => {
    const { solver, asked, last, settle } = scripted();
    solver.setTarget(0.85);
    expect(asked).toHaveLength(0);
    solver.stateSeen(4);
    expect(asked.map((a) => a.lever)).toEqual(['monthly_spending']);
    solver.stateSeen(5);
    expect(asked).toHaveLength(1);
    asked[0]!.answer(spending(2000));
    await settle();
    expect(asked.map((a) => a.lever)).toEqual(['monthly_spending', 'initial_wealth']);
    expect(last().answers.monthly_spending).toEqual(spending(2000));
    expect(last().seq).toBe(4);
    expect(last().busy).toBe(true);
  });

  it('starts another round after a newer state, at most once per interval', async () => {
    vi.useFakeTimers();
    const { solver, asked, advance, last } = scripted();
    solver.setTarget(0.85);
    solver.stateSeen(1);
    asked[0]!.answer(spending(2000));
    await vi.advanceTimersByTimeAsync(0);
    asked[1]!.answer(spending(900_000));
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toHaveLength(2);
    // No newer state: nothing more to ask.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(asked).toHaveLength(2);
    // The market moves: a round, but not before the interval since the last one began.
    advance(500);
    solver.stateSeen(2);
    solver.stateSeen(3);
    expect(asked).toHaveLength(2);
    advance(1500);
    await vi.advanceTimersByTimeAsync(1500);
    expect(asked).toHaveLength(3);
    asked[2]!.answer(spending(2100));
    await vi.advanceTimersByTimeAsync(0);
    expect(last().answers.monthly_spending).toEqual(spending(2100));
    expect(last().seq).toBe(3);
  });

  it('drops answers to an older target and asks the new one at once (latest wins)', async () => {
    const { solver, asked, last, settle } = scripted();
    solver.setTarget(0.85);
    solver.stateSeen(1);
    solver.setTarget(0.9);
    solver.setTarget(0.95);
    // The request in flight is waited for; nothing is sent for 0.9.
    expect(asked).toHaveLength(1);
    asked[0]!.answer(spending(2000));
    await settle();
    expect(last().answers).toEqual({});
    expect(last().target).toBe(0.95);
    expect(asked.map((a) => a.target)).toEqual([0.85, 0.95]);
    asked[1]!.answer(spending(1500, 0.95));
    await settle();
    expect(last().answers.monthly_spending).toEqual(spending(1500, 0.95));
  });

  it('keeps a refusal as the answer, but asks again after an unanswered request once a state comes', async () => {
    const { solver, asked, last, settle, advance } = scripted();
    solver.setTarget(0.85);
    solver.stateSeen(1);
    const refused: SolveOutcome = { ok: false, field: 'target_success', message: 'no monthly_spending reaches it' };
    asked[0]!.answer(refused);
    await settle();
    expect(last().answers.monthly_spending).toEqual(refused);
    asked[1]!.answer({ ok: false, message: 'connection lost', lost: true });
    await settle();
    expect(last().answers.initial_wealth).toBeUndefined();
    expect(asked).toHaveLength(2);
    // The reconnect's snapshot, even with the same seq, starts the round again (the interval
    // since the last round having passed).
    advance(2000);
    solver.stateSeen(1);
    expect(asked).toHaveLength(3);
    expect(asked[2]!.lever).toBe('monthly_spending');
  });

  it('waits while paused and asks nothing once stopped', async () => {
    let hidden = true;
    const asked: SolveFor[] = [];
    const solver = new LiveSolver({
      ask: (lever) => {
        asked.push(lever);
        return new Promise(() => {});
      },
      onChange: () => {},
      levers: ['monthly_spending'],
      paused: () => hidden,
    });
    solver.setTarget(0.85);
    solver.stateSeen(1);
    expect(asked).toEqual([]);
    hidden = false;
    solver.wake();
    expect(asked).toEqual(['monthly_spending']);
    solver.stop();
    solver.stateSeen(2);
    expect(asked).toEqual(['monthly_spending']);
  });
});
