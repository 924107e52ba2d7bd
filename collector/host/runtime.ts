/**
 * The seam between per-host mode and a container runtime. Each runtime
 * (docker.ts, containerd.ts) answers three questions: which containers
 * exist, where their cgroups are (both from the cgroup tree, through the
 * runtime's layouts), and what their tags are (from what the runtime knows
 * of each). containers.ts samples what they answer and knows no runtime.
 *
 * @module
 */
import type { tagHeaders } from "../tags.ts";

/** Request metadata, tag name to value, as the collector sends it with a container's points. */
export type ContainerTags = ReturnType<typeof tagHeaders>;

/** A container found by its cgroup. */
export interface HostContainer {
  /** 64 lowercase hex digits. */
  containerId: string;
  /** Its cgroup below each hierarchy, e.g. `docker/<id>`. */
  relativePath: string;
}

/**
 * A container's tags; or why the runtime's container is not sampled
 * (`skip`, a sentence naming the source and the problem); or `unknown`: a
 * cgroup laid out like the runtime's containers that the runtime does not
 * know (another engine's, or one already gone), with where it was looked up.
 */
export type TagLookup = { tags: ContainerTags } | { skip: string } | { unknown: string };

export interface ContainerRuntime {
  /** `docker` or `containerd`, as `MINI_COLLECTOR_HOST_RUNTIME` names it. */
  readonly name: string;
  /** Where tags come from, for the startup line. */
  readonly description: string;
  /** The runtime's containers whose cgroups exist below `cgroupRoot`, sorted by id. */
  list(cgroupRoot: string): Promise<HostContainer[]>;
  /**
   * The tags of each of `containers` by id. Whatever the runtime remembers
   * of containers not among them is forgotten.
   */
  tags(containers: readonly HostContainer[]): Promise<Map<string, TagLookup>>;
}
