/**
 * Finds a container's cgroup in every cgroup v1 controller hierarchy
 * (`<root>/<controller>/<path>`). The container counts as running only when
 * all required controllers have it; `cpu` (limit, throttling) and `pids` are
 * optional: a host without either hierarchy still reports the container, as the
 * Go original did (pids then read 0 on the wire).
 *
 * @module
 */

import { join } from "node:path";
import { type CgroupLocation, findCgroup } from "../locate.ts";

export const REQUIRED_CONTROLLERS = ["cpuacct", "memory", "blkio"] as const;
export const OPTIONAL_CONTROLLERS = ["cpu", "pids"] as const;
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
