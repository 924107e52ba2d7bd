/**
 * Words for where a container's cgroup was looked for, so an operator can tell
 * "not running" from "looked in the wrong place": the exact directories tried
 * (and on v1 the controllers that lack the container), and the v1 controller
 * hierarchies the host does not have at all.
 *
 * @module
 */

import { join } from "node:path";
import { detectVersion } from "./detect.ts";
import { isDirectory } from "./directory.ts";
import { candidatePaths, type CgroupLocation, findCgroup } from "./locate.ts";
import { OPTIONAL_CONTROLLERS, REQUIRED_CONTROLLERS } from "./v1/locate.ts";

/** E.g. `tried /sys/fs/cgroup/docker/<id>, /sys/fs/cgroup/system.slice/docker-<id>.scope` for those two paths. */
export async function describeSearch(root: string, location: CgroupLocation): Promise<string> {
  const candidates = candidatePaths(location);
  if (await detectVersion(root) === "v2") {
    return `tried ${candidates.map((path) => join(root, path)).join(", ")}`;
  }
  const lacking: string[] = [];
  for (const controller of REQUIRED_CONTROLLERS) {
    if (await findCgroup(join(root, controller), location) === undefined) lacking.push(controller);
  }
  const tried = candidates.map((path) => join(root, `{${REQUIRED_CONTROLLERS.join(",")}}`, path));
  return `tried ${tried.join(", ")}; not found for ${lacking.join(", ")}`;
}

/** One sentence per v1 controller hierarchy missing at the root (none on v2). */
export async function missingControllers(root: string): Promise<string[]> {
  if (await detectVersion(root) === "v2") return [];
  const notes: string[] = [];
  for (const controller of [...REQUIRED_CONTROLLERS, ...OPTIONAL_CONTROLLERS]) {
    const hierarchy = join(root, controller);
    if (await isDirectory(hierarchy)) continue;
    const required = (REQUIRED_CONTROLLERS as readonly string[]).includes(controller);
    notes.push(
      `the host has no ${controller} controller (no ${hierarchy}): ` +
        (required
          ? "no container can be found, every point says running=0"
          : controller === "pids"
          ? "pids_current and pids_limit are published as 0"
          : "the CPU limit and throttling are not published"),
    );
  }
  return notes;
}
