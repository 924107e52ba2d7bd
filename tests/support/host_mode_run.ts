/**
 * One run of the real collector in host mode against a real container
 * engine, for the engine tests: the host's cgroup filesystem exposed
 * read-only (collector/expose-cgroup.sh, as in production), the real
 * aggregator with its stdout sink, the collector under its declared flags,
 * and questions about the points stored so far. {@link HostModeRun.close}
 * stops both programs and removes the bind mount and the directory.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { AggregatorProcess } from "./aggregator.ts";
import { CollectorProcess } from "./collector_process.ts";
import { readCgroupFigures } from "./host_cgroup_files.ts";
import { sh } from "./live_cgroup.ts";
import { until } from "./until.ts";

const EXPOSE = fileURLToPath(new URL("../../collector/expose-cgroup.sh", import.meta.url));

export interface StoredPoint {
  unix_time: number;
  tags: Record<string, string>;
  metrics: Record<string, number>;
}

export class HostModeRun implements AsyncDisposable {
  collector?: CollectorProcess;

  private constructor(
    readonly directory: string,
    readonly exposed: string,
    readonly aggregator: AggregatorProcess,
  ) {}

  /** Exposes the cgroup filesystem and starts the aggregator; {@link startCollector} comes next. */
  static async start(): Promise<HostModeRun> {
    const directory = await Deno.makeTempDir({ prefix: "mini-collector-host-run-" });
    const exposed = `${directory}/cgroup`;
    await sh(`sh "$1" "$2" 2>/dev/null`, EXPOSE, exposed);
    return new HostModeRun(directory, exposed, await AggregatorProcess.start());
  }

  /** Starts the collector in host mode with these variables besides mode, aggregator and cgroup root. */
  startCollector(env: Record<string, string>): CollectorProcess {
    this.collector = new CollectorProcess({
      MINI_COLLECTOR_MODE: "host",
      MINI_COLLECTOR_REMOTE_ADDRESS: this.aggregator.address,
      MINI_COLLECTOR_CGROUP_PATH: this.exposed,
      ...env,
    });
    return this.collector;
  }

  /** Every point of container `id` stored so far, in order. */
  of(id: string): StoredPoint[] {
    return (this.aggregator.points() as unknown as StoredPoint[])
      .filter((point) => point.tags.container === id);
  }

  last(id: string): StoredPoint {
    return this.of(id).at(-1)!;
  }

  /** How many running=0 points container `id` has. */
  zeros(id: string): number {
    return this.of(id).filter((point) => point.metrics.running === 0).length;
  }

  /** Waits for `predicate` on the stored points; on timeout the error shows the collector's log. */
  async waitFor(predicate: () => boolean, what: string, ms = 20_000): Promise<void> {
    try {
      await this.aggregator.waitFor(predicate, ms, what);
    } catch (error) {
      const log = this.collector?.stderr.slice(-4000) ?? "";
      throw new Error(`${(error as Error).message}\ncollector log:\n${log}`);
    }
  }

  /** Waits until each of `ids` has at least `count` points. */
  pointsOfEach(ids: readonly string[], count: number): Promise<void> {
    return this.waitFor(
      () => ids.every((id) => this.of(id).length >= count),
      `${count} points of each of ${ids.length} containers`,
    );
  }

  /** Waits for `count` more points of `id` than it has now. */
  async morePoints(id: string, count: number): Promise<void> {
    const now = this.of(id).length;
    await this.waitFor(() => this.of(id).length >= now + count, `${count} more points of ${id}`);
  }

  /**
   * Waits until the kernel has counted at least `atLeast` OOM kills in
   * container `id`'s cgroup and the collector's last point says the same;
   * returns that count.
   */
  async settledOomKills(id: string, relativePaths: string[], atLeast: number): Promise<number> {
    let kernel = -1;
    let counted: number | undefined;
    const settled = await until(async () => {
      kernel = Number((await readCgroupFigures(this.exposed, relativePaths)).oomKills);
      counted = this.of(id).at(-1)?.metrics.memory_oom_kills;
      return kernel >= atLeast && counted === kernel;
    }, 30_000);
    if (!settled) {
      throw new Error(
        `OOM kills of ${id}: kernel ${kernel}, collector ${counted}, wanted ${atLeast}`,
      );
    }
    return kernel;
  }

  async close(): Promise<void> {
    try {
      await this.collector?.stop("SIGKILL").catch(() => {});
      await this.aggregator.close();
    } finally {
      await sh(
        `mountpoint -q "$1" || exit 0; mount --make-rprivate "$1"; umount -R "$1"`,
        this.exposed,
      );
      await Deno.remove(this.directory, { recursive: true });
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
