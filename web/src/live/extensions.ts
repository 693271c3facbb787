import { span } from '../components/format';
import type { LiveSimulation } from './wire';

/** A goal of the live plan with its chance of being paid in full. */
export interface LiveGoalLine {
  name: string;
  /** "in 5 years", "this month". */
  when: string;
  priority: 'need' | 'want' | 'wish';
  probability: number;
  standardError: number;
}

/** The live plan's goals, in the plan's order (none for a plan without goals). */
export function liveGoals(sim: LiveSimulation): LiveGoalLine[] {
  return (sim.goals ?? []).map((g) => ({
    name: g.name,
    when: g.month === 0 ? 'this month' : `in ${span(g.month)}`,
    priority: g.priority,
    probability: g.probability,
    standardError: g.standard_error,
  }));
}

/**
 * What the live summary says about how the plan's model extensions entered its numbers: that
 * they are simulated afresh at every update and why, and what they leave out. Nothing for a
 * plan without extensions, or one answered with all of them from its prepared paths.
 */
export function extensionsNotes(sim: LiveSimulation): string[] {
  const ext = sim.extensions;
  if (!ext) return [];
  const notes: string[] = [];
  if (ext.method === 'resimulated') {
    const why = ext.resimulated_because ? `: ${ext.resimulated_because}` : '';
    notes.push(`Simulated afresh at every update, since wealth shapes the cash flows${why}.`);
  }
  if (ext.left_out) notes.push(`These numbers leave out ${ext.left_out}.`);
  return notes;
}
