/**
 * The sources of a per-host collector: every container of the host's
 * runtime (runtime.ts: Docker or containerd) whose cgroup exists below the
 * cgroup root, listed anew at each poll and tagged as the runtime says.
 *
 * - A container that appears is sampled from the poll that first lists it;
 *   its first point has rates 0, as after any (re)start of a sampler.
 * - A container whose cgroup is gone is sampled once more: the sampler finds
 *   no cgroup and reports `running=false` with every other metric 0. Then it
 *   is forgotten; should the same id come back, it starts over (rates 0).
 *   A container already seen as not running by its last point is forgotten
 *   without another one, so it never gets two.
 * - A container whose tags cannot be had (garbage config, no environment or
 *   service) is skipped: the reason is logged when first met and again only
 *   when it changes. A tracked container that becomes skipped is dropped
 *   without a final point; one whose labels change keeps its sampler and
 *   takes the new tags, as soon as the runtime reports them (Docker's
 *   module looks at a container's config every 10 s: container_tags.ts).
 * - Cgroups laid out like the runtime's containers that the runtime does not
 *   know (a busy host has many: another engine's, or ones just removed) are
 *   not sampled and not logged one by one: one line counts them, whenever
 *   one appears that the last such line did not count.
 * - When the listing itself fails (the root is gone or unreadable), the
 *   containers known so far are sampled as they are, and the failure is
 *   logged (each distinct message once, then at most every ten minutes).
 *
 * Disk fields are -1: no container has a volume configured in this mode.
 *
 * @module
 */
import { CgroupSampler } from "../cgroup/mod.ts";
import type { PublishRequest } from "../../shared/gen/aggregator_pb.ts";
import { log } from "../../shared/log.ts";
import type { PollTime } from "../loop.ts";
import { PointSampler } from "../point_sampler.ts";
import { RepeatedErrors } from "../repeated_errors.ts";
import type { PointSource } from "../source.ts";
import type { ContainerRuntime } from "./runtime.ts";

export interface HostContainersOptions {
  /** Where the cgroup filesystem is visible (`MINI_COLLECTOR_CGROUP_PATH`). */
  cgroupRoot: string;
  runtime: ContainerRuntime;
  /**
   * Whether skipped and unknown containers are logged (the default); off for
   * `--check`, which prints them itself.
   */
  logSkips?: boolean;
}

/** One container being sampled: its source, and whether its last point said it ran. */
interface Tracked {
  /** Its cgroup's sampler, disposed (kept files closed) when the container is dropped. */
  cgroup: CgroupSampler;
  relativePath: string;
  source: PointSource;
  lastRunning: boolean;
}

const logger = log("collector", "host");
const ERROR_LOG_PERIOD_MS = 10 * 60_000;

export class HostContainers {
  #tracked = new Map<string, Tracked>();
  /** Skipped container ids and the reason last logged. */
  #skipped = new Map<string, string>();
  /** The runtime's unknown cgroups at the last poll, by id, with where each was looked up. */
  #unknown = new Map<string, string>();
  /** The unknown ids the last summary line counted. */
  #reportedUnknown = new Set<string>();
  #listingErrors = new RepeatedErrors(logger, ERROR_LOG_PERIOD_MS);

  constructor(private readonly options: HostContainersOptions) {}

  /** The runtime's containers listed but not sampled, by id, with the reason. */
  get skipped(): ReadonlyMap<string, string> {
    return this.#skipped;
  }

  /** Cgroups laid out as the runtime's that it does not know, by id, with where each was looked up. */
  get unknown(): ReadonlyMap<string, string> {
    return this.#unknown;
  }

  /** How many containers are being sampled. */
  get size(): number {
    return this.#tracked.size;
  }

  /** This poll's sources: the containers listed now, plus one last time those that vanished. */
  async sources(): Promise<PointSource[]> {
    const { runtime } = this.options;
    let listed, lookups;
    try {
      listed = await runtime.list(this.options.cgroupRoot);
      lookups = await runtime.tags(listed);
    } catch (error) {
      this.#listingErrors.report(
        [`cannot list the containers, sampling the ${this.#tracked.size} known: ${error}`],
        performance.now(),
      );
      return [...this.#tracked.values()].map((tracked) => tracked.source);
    }
    const present = new Set<string>();
    const sources: PointSource[] = [];
    this.#unknown.clear();
    for (const { containerId, relativePath } of listed) {
      present.add(containerId);
      const lookup = lookups.get(containerId) ?? { unknown: `not listed by ${runtime.name}` };
      if ("unknown" in lookup) {
        this.#drop(containerId);
        this.#unknown.set(containerId, lookup.unknown);
        continue;
      }
      if ("skip" in lookup) {
        this.#skip(containerId, lookup.skip);
        continue;
      }
      this.#skipped.delete(containerId);
      let tracked = this.#tracked.get(containerId);
      if (tracked?.relativePath !== relativePath) {
        tracked?.cgroup[Symbol.dispose]();
        tracked = this.#track(containerId, relativePath, lookup.tags);
      }
      tracked.source.tags = lookup.tags;
      sources.push(tracked.source);
    }
    for (const [containerId, tracked] of this.#tracked) {
      if (present.has(containerId)) continue;
      this.#tracked.delete(containerId);
      if (!tracked.lastRunning) continue;
      logger.info("container {containerId} is gone: one last point, running=false", {
        containerId,
      });
      sources.push(tracked.source);
    }
    for (const containerId of this.#skipped.keys()) {
      if (!present.has(containerId) || this.#unknown.has(containerId)) {
        this.#skipped.delete(containerId);
      }
    }
    this.#reportUnknown();
    return sources;
  }

  /** One line counting the unknown cgroups, when one appears that the last line did not count. */
  #reportUnknown(): void {
    const unreported = [...this.#unknown.keys()].filter((id) => !this.#reportedUnknown.has(id));
    this.#reportedUnknown = new Set(this.#unknown.keys());
    if (unreported.length === 0 || this.options.logSkips === false) return;
    const [example] = unreported;
    logger.info(
      "container cgroups unknown to {runtime}, not sampled: {count} ({unreported} new; " +
        "e.g. {example}: {where})",
      {
        count: this.#unknown.size,
        runtime: this.options.runtime.name,
        unreported: unreported.length,
        example,
        where: this.#unknown.get(example),
      },
    );
  }

  /** Stops sampling a tracked container without a final point; true if it was tracked. */
  #drop(containerId: string): boolean {
    const tracked = this.#tracked.get(containerId);
    if (!tracked) return false;
    this.#tracked.delete(containerId);
    tracked.cgroup[Symbol.dispose]();
    return true;
  }

  #track(containerId: string, relativePath: string, tags: PointSource["tags"]): Tracked {
    const cgroup = new CgroupSampler({
      root: this.options.cgroupRoot,
      relativePaths: [relativePath],
    });
    const points = new PointSampler(cgroup, undefined);
    const tracked: Tracked = {
      cgroup,
      relativePath,
      lastRunning: true,
      source: {
        tags,
        sampler: {
          sample: async (time: PollTime): Promise<PublishRequest> => {
            const point = await points.sample(time);
            tracked.lastRunning = point.running;
            return point;
          },
        },
      },
    };
    this.#tracked.set(containerId, tracked);
    logger.info("container {containerId} found at {relativePath}: sampling it, tags {tags}", {
      containerId,
      relativePath,
      tags: Object.entries(tags).map(([key, value]) => `${key}=${value}`).join(" "),
    });
    return tracked;
  }

  #skip(containerId: string, reason: string): void {
    const quiet = this.options.logSkips === false;
    if (this.#drop(containerId) && !quiet) {
      logger.warn("container {containerId} no longer has tags: no longer sampled", {
        containerId,
      });
    }
    if (this.#skipped.get(containerId) === reason) return;
    this.#skipped.set(containerId, reason);
    if (!quiet) logger.warn("container {containerId} skipped: {reason}", { containerId, reason });
  }
}
