/**
 * Finds a container's cgroup in every cgroup v1 controller hierarchy
 * (`<root>/<controller>/<path>`). The container counts as running only when
 * all required controllers have it; `cpu` (limit, throttling) is optional.
 *
 * @module
 */

import { join } from "node:path";
import { type CgroupLocation, findCgroup } from "../locate.ts";

const REQUIRED_CONTROLLERS = ["cpuacct", "memory", "blkio", "pids"] as const;
const OPTIONAL_CONTROLLERS = ["cpu"] as const;
type Required = typeof REQUIRED_CONTROLLERS[number];
type Optional = typeof OPTIONAL_CONTROLLERS[number];

export type V1Paths = Record<Required, string> & Partial<Record<Optional, string>>;

/** The cgroup directory per controller, or undefined when a required one is missing. */
export async function locateV1(
  root: string,
  location: CgroupLocation,
): Promise<V1Paths | undefined> {
  const paths: Partial<Record<Required | Optional, string>> = {};
  for (const controller of [...REQUIRED_CONTROLLERS, ...OPTIONAL_CONTROLLERS]) {
    paths[controller] = await findCgroup(join(root, controller), location);
  }
  const complete = REQUIRED_CONTROLLERS.every((controller) => paths[controller] !== undefined);
  return complete ? paths as V1Paths : undefined;
}
