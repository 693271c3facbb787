/**
 * Timings the browser tests read to check the dashboard's budgets (BENCHMARKS.md): from an
 * update frame's arrival to the DOM showing it, and from a what-if's request to its answer
 * drawn. A few hundred numbers in memory; nothing leaves the page.
 */
const KEEP = 2000;

export interface PerfLog {
  /** ms from an update's arrival (message event) to the DOM showing its state. */
  frameToDom: number[];
  /** ms from a what-if's request to its answer in the DOM. */
  whatIfToDom: number[];
}

const log: PerfLog = { frameToDom: [], whatIfToDom: [] };
(globalThis as { __glidepathPerf?: PerfLog }).__glidepathPerf = log;

export function record(kind: keyof PerfLog, ms: number): void {
  const list = log[kind];
  list.push(ms);
  if (list.length > KEEP) list.shift();
}

export const now = (): number => (typeof performance === 'undefined' ? Date.now() : performance.now());
