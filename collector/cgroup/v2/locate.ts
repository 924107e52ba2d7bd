/**
 * Finds a container's cgroup in a cgroup v2 (unified) hierarchy:
 * `<root>/<path>`. The container is running when that directory exists.
 *
 * @module
 */

import { type CgroupLocation, findCgroup } from "../locate.ts";

export function locateV2(root: string, location: CgroupLocation): Promise<string | undefined> {
  return findCgroup(root, location);
}
