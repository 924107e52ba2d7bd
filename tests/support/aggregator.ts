/**
 * Runs the real aggregator for cross-process tests: `deno run` with exactly
 * the flags `programFlags("aggregator", env)` grants, a cleared environment
 * (plus what Deno needs to find its cache),
 * the stdout sink on, a fresh spool directory and a free port. It collects the
 * stdout lines (the point stream) across restarts, waits for readiness (the
 * "listening on" log line), stops with a signal or kill -9, restarts on the
 * same spool, and — when `supervise` is set — restarts a process that died on
 * its own, as a container runtime would (docs/ARCHITECTURE.md, "Platform
 * facts"). Every wait — readiness, exit, output — has a deadline that names
 * what it was waiting for.
 *
 * @module
 */
import { programFlags } from "./program_flags.ts";
import { runtimeEnv } from "./collector_process.ts";
import { settledWithin, withDeadline } from "./deadline.ts";
import { deadline } from "../../shared/async/mod.ts";

const ENTRY = new URL("../../aggregator/main.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

export interface AggregatorOptions {
  /** Extra or overriding AGGREGATOR_* variables. */
  env?: Record<string, string>;
  /** Restart the process when it exits without being told to. */
  supervise?: boolean;
  /** Give up waiting for "listening on" after this long. */
  readyTimeoutMs?: number;
  /** Run under `prlimit` with this many file descriptors (soft and hard limit). */
  maxOpenFiles?: number;
}

/** A port nobody listens on right now, on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

export class AggregatorProcess {
  readonly env: Record<string, string>;
  readonly port: number;
  readonly directory: string;
  /** Every stdout line of every run, in order. */
  readonly lines: string[] = [];
  /** stderr of every run (log lines). */
  stderr = "";
  /** Unplanned exits the supervisor restarted from, with their status. */
  readonly crashes: Deno.CommandStatus[] = [];
  #options: AggregatorOptions;
  #child?: Deno.ChildProcess;
  #finished?: Promise<Deno.CommandStatus>;
  #planned = false;
  #changed = Promise.withResolvers<void>();

  private constructor(directory: string, options: AggregatorOptions) {
    this.directory = directory;
    this.#options = options;
    this.port = freePort();
    this.env = {
      AGGREGATOR_TEXT_CONFIGURATION: "",
      AGGREGATOR_LISTEN_ADDRESS: `127.0.0.1:${this.port}`,
      AGGREGATOR_SPOOL_PATH: `${directory}/spool`,
      AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY: "100ms",
      AGGREGATOR_SHUTDOWN_TIMEOUT: "5s",
      ...options.env,
    };
  }

  static async start(options: AggregatorOptions = {}): Promise<AggregatorProcess> {
    const directory = await Deno.makeTempDir({ prefix: "mini-collector-aggregator-" });
    const aggregator = new AggregatorProcess(directory, options);
    try {
      await aggregator.#spawn();
    } catch (error) {
      await aggregator.close();
      throw error;
    }
    return aggregator;
  }

  /** The process id of the running process (undefined between a stop and a restart). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** host:port of the HTTP/2 listener. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** stdout lines parsed as JSON (the stdout sink's points). */
  points(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line));
  }

  /** Resolves when `predicate` holds for the collected output; rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
    const endMs = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = endMs - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${what}; stderr:\n${this.stderr.slice(-3000)}`);
      }
      await deadline(this.#changed.promise, Math.min(left, 200), () => {});
    }
  }

  /** Sends `signal` and waits for the process to exit (at most `timeoutMs`). */
  async kill(signal: Deno.Signal = "SIGTERM", timeoutMs = 30_000): Promise<Deno.CommandStatus> {
    this.#planned = true;
    const pid = this.#child?.pid;
    this.#child?.kill(signal);
    return await withDeadline(
      this.#finished!,
      timeoutMs,
      `waiting for the aggregator (pid ${pid}) to exit after ${signal}; stderr:\n` +
        this.stderr.slice(-2000),
    );
  }

  /** Starts the process again on the same port and spool. */
  async restart(): Promise<void> {
    await this.#spawn();
  }

  /** Stops the process if it runs (SIGTERM, then SIGKILL) and removes the temporary directory. */
  async close(): Promise<void> {
    if (this.#child) {
      this.#planned = true;
      try {
        this.#child.kill("SIGTERM");
      } catch { /* already gone */ }
      if (!await settledWithin(this.#finished!, 10_000)) {
        const pid = this.#child?.pid;
        try {
          this.#child?.kill("SIGKILL");
        } catch { /* already gone */ }
        await withDeadline(
          this.#finished!,
          10_000,
          `waiting for the aggregator (pid ${pid}) to exit after SIGKILL`,
        );
      }
    }
    await Deno.remove(this.directory, { recursive: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #spawn(): Promise<void> {
    this.#planned = false;
    const before = this.#listening();
    let exited = false;
    const flags = programFlags("aggregator", (name) => this.env[name]);
    const command = ["run", ...flags, ENTRY];
    const files = this.#options.maxOpenFiles;
    // prlimit sets the limit, then execs Deno: the child's pid is the aggregator's.
    const child = new Deno.Command(files ? "prlimit" : Deno.execPath(), {
      args: files ? [`--nofile=${files}:${files}`, "--", Deno.execPath(), ...command] : command,
      cwd: ROOT,
      clearEnv: true,
      env: { ...runtimeEnv(), ...this.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    const outputs = Promise.all([
      this.#collect(child.stdout, (line) => this.lines.push(line)),
      this.#collect(child.stderr, (line) => this.stderr += line + "\n"),
    ]);
    this.#finished = outputs.then(() => child.status).then((status) => {
      exited = true;
      this.#child = undefined;
      this.#notify();
      if (!this.#planned && this.#options.supervise) {
        this.crashes.push(status);
        return this.#spawn().then(() => status);
      }
      return status;
    });
    await this.waitFor(
      () => this.#listening() > before || exited,
      this.#options.readyTimeoutMs ?? 20_000,
      "the aggregator to listen",
    );
    if (this.#listening() === before) {
      throw new Error(`the aggregator exited before listening; stderr:\n${this.stderr}`);
    }
  }

  #listening(): number {
    return this.stderr.match(/listening on/g)?.length ?? 0;
  }

  async #collect(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
    let rest = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + text).split("\n");
      rest = parts.pop()!;
      for (const part of parts) onLine(part);
      this.#notify();
    }
    if (rest) onLine(rest);
  }

  #notify(): void {
    this.#changed.resolve();
    this.#changed = Promise.withResolvers<void>();
  }
}
