/**
 * Hard deadlines for the steps of cross-process tests: a step that waits on
 * another process or a socket fails on its own timer, with a message naming
 * what it was waiting for, instead of hanging the suite. Nothing here waits on
 * a library callback alone. The timers are shared/async's `deadline`.
 *
 * @module
 */
import { deadline } from "../../shared/async/mod.ts";

/** Thrown when a step outlives its deadline; `step` names what it was waiting for. */
export class DeadlineError extends Error {
  constructor(readonly step: string, readonly ms: number) {
    super(`timed out after ${ms} ms ${step}`);
    this.name = "DeadlineError";
  }
}

/**
 * Settles as `work` does, or rejects with a {@link DeadlineError} naming `step`
 * (e.g. "waiting for the aggregator to answer Publish") once `ms` have passed.
 * The timer is cleared either way.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, step: string): Promise<T> {
  return deadline(work, ms, () => {
    throw new DeadlineError(step, ms);
  });
}

/** Resolves when `work` settles or `ms` have passed, whichever comes first; true if it settled. */
export function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return deadline(work.then(() => true, () => true), ms, () => false);
}

/**
 * Runs a command to completion and returns its output; past `ms` the command
 * is killed (SIGKILL) and the step fails naming `step`.
 */
export function outputWithin(
  command: string,
  options: Deno.CommandOptions,
  ms: number,
  step: string,
): Promise<Deno.CommandOutput> {
  const child = new Deno.Command(command, {
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...options,
  }).spawn();
  return childOutputWithin(child, ms, step);
}

/**
 * The output of a spawned child (stdout and stderr piped) once it exits;
 * past `ms` it is killed (SIGKILL) and the step fails naming `step`.
 */
export async function childOutputWithin(
  child: Deno.ChildProcess,
  ms: number,
  step: string,
): Promise<Deno.CommandOutput> {
  try {
    return await withDeadline(child.output(), ms, step);
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
    await settledWithin(child.status, 2_000);
    throw error;
  }
}
