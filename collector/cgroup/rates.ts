/**
 * Turns successive counter readings into changes over an interval, purely:
 * Δt in whole microseconds of the monotonic clock (fractional seconds, never
 * truncated to whole seconds). The first reading of a counter, a counter that
 * went backwards (the cgroup was recreated) or a clock that did not advance
 * yields a zero change. A counter missing from one sample (its file was
 * unreadable) keeps its last reading, so the next change spans both intervals.
 *
 * @module
 */

import { COUNTER_NAMES, type CounterName, type Counters } from "./raw.ts";

interface Reading {
  value: bigint;
  atMs: number;
}
export type CounterState = Partial<Record<CounterName, Reading>>;

export interface Change {
  delta: bigint;
  /** Length of the interval in microseconds; 0 when there is no interval to speak of. */
  micros: bigint;
}
export type Changes = Partial<Record<CounterName, Change>>;

export const NO_CHANGE: Change = { delta: 0n, micros: 0n };

/** The changes since `state`, and the state to keep for the next sample. */
export function advance(
  state: CounterState,
  counters: Counters,
  atMs: number,
): { changes: Changes; state: CounterState } {
  const changes: Changes = {};
  const next: CounterState = { ...state };
  for (const name of COUNTER_NAMES) {
    const value = counters[name];
    if (value === undefined) continue;
    changes[name] = change(state[name], { value, atMs });
    next[name] = { value, atMs };
  }
  return { changes, state: next };
}

function change(previous: Reading | undefined, current: Reading): Change {
  if (previous === undefined || current.value < previous.value) return NO_CHANGE;
  const micros = BigInt(Math.round((current.atMs - previous.atMs) * 1000));
  return micros > 0n ? { delta: current.value - previous.value, micros } : NO_CHANGE;
}

/** delta × scale ÷ micros, truncated; 0 for no interval. `scale` 1 gives units per µs, 10⁶ per second. */
export function rate(change: Change, scale: bigint): bigint {
  return change.micros === 0n ? 0n : change.delta * scale / change.micros;
}
