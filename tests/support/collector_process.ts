/**
 * Runs the real collector for cross-process tests: `deno run` with exactly
 * the flags `programFlags("collector", env)` grants (or, when the
 * configuration is invalid, only the env permission, as `deno task collect`
 * does), a cleared environment holding the given `MINI_COLLECTOR_*` variables,
 * and stderr (its log) collected so a test can wait for a line.
 */
import { withDeadline } from "./deadline.ts";
import { ConfigError, envFrom } from "../../shared/config/mod.ts";
import { ENV_ALLOWED, programFlags } from "./program_flags.ts";
import { delay } from "../../shared/async/mod.ts";

export const COLLECTOR_ENTRY = new URL("../../collector/main.ts", import.meta.url).pathname;
export const REPOSITORY = new URL("../../", import.meta.url).pathname;

/** The process environment Deno itself needs to find its cache; the programs cannot read it. */
export function runtimeEnv(): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const name of ["PATH", "HOME", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** The collector's declared flags for this environment, as `deno task collect` computes them. */
export function collectorFlags(env: Record<string, string>): string[] {
  try {
    return programFlags("collector", envFrom(env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return ["--no-prompt", `--allow-env=${ENV_ALLOWED.collector}`];
  }
}

/** `deno run <flags> <script> <args>` with a cleared environment plus `env`. */
export function denoCommand(
  flags: string[],
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, script, ...args],
    cwd: REPOSITORY,
    clearEnv: true,
    env: { ...runtimeEnv(), ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

export class CollectorProcess {
  stderr = "";
  readonly #child: Deno.ChildProcess;
  readonly #drained: Promise<void>;

  /** Runs `script` (the collector by default, or e.g. a driver of many) with `args`. */
  constructor(
    env: Record<string, string>,
    flags = collectorFlags(env),
    script = COLLECTOR_ENTRY,
    args: string[] = [],
  ) {
    this.#child = denoCommand(flags, script, env, args).spawn();
    this.#child.stdout.cancel();
    this.#drained = this.#child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (text) => void (this.stderr += text) }),
    );
  }

  get pid(): number {
    return this.#child.pid;
  }

  /** Resolves once stderr matches `pattern`; rejects with the log so far after `timeoutMs`. */
  async waitForLog(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.stderr)) {
      if (Date.now() > deadline) {
        throw new Error(`no log line matching ${pattern} within ${timeoutMs} ms:\n${this.stderr}`);
      }
      await delay(50);
    }
  }

  /**
   * Sends the signal (none: just wait) and resolves with the exit code once
   * stderr is drained; fails if that takes longer than `timeoutMs`.
   */
  async stop(signal?: Deno.Signal, timeoutMs = 60_000): Promise<number> {
    if (signal) {
      try {
        this.#child.kill(signal);
      } catch {
        // Already exited: its status tells what happened.
      }
    }
    const step = `waiting for the collector (pid ${this.pid}) to exit` +
      (signal ? ` after ${signal}` : "");
    const status = await withDeadline(this.#child.status, timeoutMs, step);
    await withDeadline(this.#drained, 10_000, `${step}: its stderr to close`);
    return status.code;
  }
}
