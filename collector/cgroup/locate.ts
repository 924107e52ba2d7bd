/**
 * Where a cgroup sits below a hierarchy: the caller names the relative paths
 * to try (a container runtime's layouts, collector/host/, or the operator's
 * explicit path); the first that exists as a directory is the cgroup. This
 * module knows no runtime's layout.
 *
 * @module
 */

import { join } from "node:path";
import { isDirectory } from "./directory.ts";

export interface CgroupLocation {
  /**
   * The cgroup's path below each hierarchy, e.g. `docker/<id>`, or several to
   * try in order; a leading `/` (as /proc/<pid>/cgroup shows it) is ignored.
   */
  relativePaths: readonly string[];
}

/** The relative paths to try, in order, without leading slashes. */
export function candidatePaths(location: CgroupLocation): string[] {
  return location.relativePaths.map((path) => path.replace(/^\/+/, ""));
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
