/**
 * The aggregator under ingest load: the real program under exactly its
 * declared flags (`programFlags("aggregator", env)`), the durable spool on,
 * the stdout sink writing into a file (not through the harness, whose CPU
 * would compete with the server's), both listeners (gRPC on the own HTTP/2 server,
 * Connect on Deno.serve). It counts the points in that file incrementally and
 * restarts the process, on the same spool and file, when it dies on its own
 * (a server process may still die under load: docs/ARCHITECTURE.md,
 * "Platform facts"). Other sinks can be configured instead of stdout, and the
 * spool depth of each stats line is recorded.
 */
import { freePort } from "../tests/support/aggregator.ts";
import { programFlags } from "../tests/support/program_flags.ts";
import { deadline, delay } from "../shared/async/mod.ts";

const ENTRY = new URL("../aggregator/main.ts", import.meta.url).pathname;
const ROOT = new URL("../", import.meta.url).pathname;
const NEWLINE = 10;

/** What Deno itself needs to find its cache; the aggregator cannot read these. */
function runtimeEnv(): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const name of ["PATH", "HOME", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export class IngestServer implements AsyncDisposable {
  readonly grpcPort = freePort();
  readonly connectPort = freePort();
  /** Unplanned exits so far, e.g. "signal SIGABRT". */
  readonly crashes: string[] = [];
  #child?: Deno.ChildProcess;
  #exit?: string;
  #points = 0;
  #offset = 0;
  #log = "";

  /** Spool depth from each stats line, with the time it was read. */
  readonly spoolDepths: { atMs: number; depth: number }[] = [];

  private constructor(readonly directory: string, readonly sinks: Record<string, string>) {}

  /** An aggregator with the stdout sink, or with the sinks configured by `sinks`. */
  static async start(
    sinks: Record<string, string> = { AGGREGATOR_TEXT_CONFIGURATION: "" },
  ): Promise<IngestServer> {
    const directory = await Deno.makeTempDir({ prefix: "mini-collector-ingest-" });
    const server = new IngestServer(directory, sinks);
    await server.#spawn();
    return server;
  }

  get env(): Record<string, string> {
    return {
      ...this.sinks,
      AGGREGATOR_LISTEN_ADDRESS: `127.0.0.1:${this.grpcPort}`,
      AGGREGATOR_CONNECT_LISTEN_ADDRESS: `127.0.0.1:${this.connectPort}`,
      AGGREGATOR_SPOOL_PATH: `${this.directory}/spool`,
      AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY: "1s",
    };
  }

  /** The end of the aggregator's log. */
  get log(): string {
    return this.#log.slice(-3000);
  }

  get pid(): number {
    return this.#child!.pid;
  }

  /** Whether the process started last is still running. */
  get alive(): boolean {
    return this.#exit === undefined;
  }

  /** Whether the process exits within `ms` (or already has). */
  exitsWithin(ms: number): Promise<boolean> {
    return deadline(this.#child!.status.then(() => true), ms, () => false);
  }

  /** After a crash: waits until its exit is seen, records it and starts the process again. */
  async restart(): Promise<void> {
    await this.#child!.status;
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.crashes.push(this.#exit ?? "unknown");
    await this.#spawn();
  }

  /** Points written to stdout so far, over every run of the process. */
  async points(): Promise<number> {
    using file = await Deno.open(`${this.directory}/stdout`, { read: true });
    await file.seek(this.#offset, Deno.SeekMode.Start);
    const buffer = new Uint8Array(1 << 20);
    for (;;) {
      const read = await file.read(buffer);
      if (read === null) break;
      this.#offset += read;
      for (let index = 0; index < read; index++) if (buffer[index] === NEWLINE) this.#points++;
    }
    return this.#points;
  }

  /** Waits until stdout holds `count` points; false when it does not within `timeoutMs` or the process died. */
  async waitForPoints(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (await this.points() < count) {
      if (Date.now() > deadline || !this.alive) return false;
      await delay(100);
    }
    return true;
  }

  /** Waits until no new point has reached stdout for `quietMs` (what a crashed run left is delivered). */
  async settle(quietMs: number): Promise<void> {
    let count = await this.points();
    let since = Date.now();
    while (Date.now() - since < quietMs) {
      await delay(100);
      const now = await this.points();
      if (now !== count) [count, since] = [now, Date.now()];
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#child && this.alive) {
      this.#child.kill("SIGTERM");
      await this.#child.status;
    }
    await Deno.remove(this.directory, { recursive: true });
  }

  async #spawn(): Promise<void> {
    const flags = programFlags("aggregator", (name) => this.env[name]);
    // `exec` keeps the pid: the shell only opens the stdout file for the aggregator.
    this.#child = new Deno.Command("sh", {
      args: [
        "-c",
        `exec "$@" >> "${this.directory}/stdout"`,
        "sh",
        Deno.execPath(),
        "run",
        ...flags,
        ENTRY,
      ],
      cwd: ROOT,
      clearEnv: true,
      env: { ...this.env, ...runtimeEnv() },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#exit = undefined;
    const child = this.#child;
    child.status.then((status) => {
      if (child === this.#child) {
        this.#exit = status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
      }
    });
    const stderr = this.#child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    this.#log = "";
    const deadline = Date.now() + 20_000;
    while (!this.#log.includes("listening on")) {
      const { value, done } = await stderr.read();
      if (done || Date.now() > deadline) {
        throw new Error(`the aggregator did not start:\n${this.#log}`);
      }
      this.#log += value;
    }
    // Keep draining stderr so the process never blocks on a full pipe.
    (async () => {
      for (;;) {
        const { value, done } = await stderr.read();
        if (done) return;
        this.#log = (this.#log + value).slice(-20_000);
        for (const [, depth] of value.matchAll(/spool depth=(\d+)/g)) {
          this.spoolDepths.push({ atMs: Date.now(), depth: Number(depth) });
        }
      }
    })();
  }
}
