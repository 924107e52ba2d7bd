/**
 * Where Docker puts a container's cgroup: `docker/<id>` with the cgroupfs
 * driver, `system.slice/docker-<id>.scope` with the systemd driver. Container
 * mode looks for its one container there; per-host mode lists every
 * container found there (docker.ts).
 *
 * @module
 */
import { type CgroupPattern, matchCgroups } from "../cgroup/mod.ts";
import type { HostContainer } from "./runtime.ts";

const ID = "(?<id>[0-9a-f]{64})";

/** The two drivers' layouts, cgroupfs first: a path per id, and the pattern that lists them. */
const LAYOUTS: readonly { path: (id: string) => string; pattern: CgroupPattern }[] = [
  { path: (id) => `docker/${id}`, pattern: ["docker", new RegExp(ID)] },
  {
    path: (id) => `system.slice/docker-${id}.scope`,
    pattern: ["system.slice", new RegExp(`docker-${ID}\\.scope`)],
  },
];

/** The relative paths where container `containerId`'s cgroup may be, in order. */
export function dockerCgroupPaths(containerId: string): string[] {
  return LAYOUTS.map((layout) => layout.path(containerId));
}

/**
 * The containers whose cgroups are laid out as Docker's below `root`, sorted
 * by id; a container under both layouts is taken at the cgroupfs one.
 */
export async function discoverDockerContainers(root: string): Promise<HostContainer[]> {
  return containersOf(await matchCgroups(root, LAYOUTS.map((layout) => layout.pattern)));
}

/** One container per id (the first match wins), sorted by id. */
export function containersOf(
  matches: readonly { relativePath: string; groups: Record<string, string> }[],
): HostContainer[] {
  const found = new Map<string, HostContainer>();
  for (const { relativePath, groups } of matches) {
    if (!found.has(groups.id)) found.set(groups.id, { containerId: groups.id, relativePath });
  }
  return [...found.values()].sort((a, b) => a.containerId < b.containerId ? -1 : 1);
}
