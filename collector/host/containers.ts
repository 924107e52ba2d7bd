/**
 * The sources of a per-host collector: every Docker container whose cgroup
 * exists below the cgroup root, listed anew at each poll
 * (shared/cgroup/discover.ts) and tagged from its Docker labels
 * (container_tags.ts).
 *
 * - A container that appears is sampled from the poll that first lists it;
 *   its first point has rates 0, as after any (re)start of a sampler.
 * - A container whose cgroup is gone is sampled once more: the sampler finds
 *   no cgroup and reports `running=false` with every other metric 0. Then it
 *   is forgotten; should the same id come back, it starts over (rates 0).
 *   A container already seen as not running by its last point is forgotten
 *   without another one, so it never gets two.
 * - A container whose tags cannot be had (no config, garbage, no environment
 *   or service) is skipped: the reason is logged when first met and again
 *   only when it changes. A tracked container that becomes skipped is dropped
 *   without a final point; one whose labels change keeps its sampler and
 *   takes the new tags.
 * - When the listing itself fails (the root is gone or unreadable), the
 *   containers known so far are sampled as they are, and the failure is
 *   logged (each distinct message once, then at most every ten minutes).
 *
 * Disk fields are -1: no container has a volume configured in this mode.
 *
 * @module
 */
import { CgroupSampler } from "../../shared/cgroup/mod.ts";
import { discoverContainers } from "../../shared/cgroup/discover.ts";
import type { PublishRequest } from "../../shared/gen/aggregator_pb.ts";
import { log } from "../../shared/log.ts";
import type { PollTime } from "../loop.ts";
import { PointSampler } from "../point_sampler.ts";
import { RepeatedErrors } from "../repeated_errors.ts";
import type { PointSource } from "../source.ts";
import { ContainerTagCache, type ContainerTagOptions } from "./container_tags.ts";

export interface HostContainersOptions extends ContainerTagOptions {
  /** Where the cgroup filesystem is visible (`MINI_COLLECTOR_CGROUP_PATH`). */
  cgroupRoot: string;
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
  #tags: ContainerTagCache;
  #tracked = new Map<string, Tracked>();
  /** Skipped container ids and the reason last logged. */
  #skipped = new Map<string, string>();
  #listingErrors = new RepeatedErrors(logger, ERROR_LOG_PERIOD_MS);

  constructor(private readonly options: HostContainersOptions) {
    this.#tags = new ContainerTagCache(options);
  }

  /** Containers listed but not sampled, by id, with the reason. */
  get skipped(): ReadonlyMap<string, string> {
    return this.#skipped;
  }

  /** How many containers are being sampled. */
  get size(): number {
    return this.#tracked.size;
  }

  /** This poll's sources: the containers listed now, plus one last time those that vanished. */
  async sources(): Promise<PointSource[]> {
    let listed;
    try {
      listed = await discoverContainers(this.options.cgroupRoot);
    } catch (error) {
      this.#listingErrors.report(
        [`cannot list the containers, sampling the ${this.#tracked.size} known: ${error}`],
        performance.now(),
      );
      return [...this.#tracked.values()].map((tracked) => tracked.source);
    }
    const present = new Set<string>();
    const sources: PointSource[] = [];
    for (const { containerId, relativePath } of listed) {
      present.add(containerId);
      const lookup = this.#tags.lookup(containerId);
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
      if (!present.has(containerId)) this.#skipped.delete(containerId);
    }
    this.#tags.retain(present);
    return sources;
  }

  #track(containerId: string, relativePath: string, tags: PointSource["tags"]): Tracked {
    const cgroup = new CgroupSampler({ root: this.options.cgroupRoot, containerId, relativePath });
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
    const tracked = this.#tracked.get(containerId);
    if (tracked) {
      this.#tracked.delete(containerId);
      tracked.cgroup[Symbol.dispose]();
      logger.warn("container {containerId} no longer has tags: no longer sampled", {
        containerId,
      });
    }
    if (this.#skipped.get(containerId) === reason) return;
    this.#skipped.set(containerId, reason);
    logger.warn("container {containerId} skipped: {reason}", { containerId, reason });
  }
}
