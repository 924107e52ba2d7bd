/**
 * Where a container's cgroup sits below a hierarchy: Docker's cgroupfs driver
 * (`docker/<id>`) or its systemd driver (`system.slice/docker-<id>.scope`),
 * unless the operator gave an explicit relative path.
 *
 * @module
 */

import { join } from "node:path";
import { isDirectory } from "./directory.ts";

export interface CgroupLocation {
  containerId: string;
  /** Overrides discovery, e.g. `/docker/<id>` as /proc/<pid>/cgroup shows it. */
  relativePath?: string;
}

/** The relative paths to try, in order. */
export function candidatePaths(location: CgroupLocation): string[] {
  if (location.relativePath !== undefined) return [location.relativePath.replace(/^\/+/, "")];
  const id = location.containerId;
  return [`docker/${id}`, `system.slice/docker-${id}.scope`];
}

/** The first candidate that exists as a directory below `hierarchy`. */
export async function findCgroup(
  hierarchy: string,
  location: CgroupLocation,
): Promise<string | undefined> {
  for (const candidate of candidatePaths(location)) {
    const path = join(hierarchy, candidate);
    if (await isDirectory(path)) return path;
  }
  return undefined;
}
