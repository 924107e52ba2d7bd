/**
 * Which cgroup hierarchy a root holds: v2 (unified, `cgroup.controllers` at
 * the root), hybrid (v1 controllers plus a v2 hierarchy at `<root>/unified`,
 * used here only for pressure stall information) or plain v1.
 *
 * @module
 */

import { join } from "node:path";
import { exists, isDirectory } from "./directory.ts";

type CgroupVersion = "v1" | "v2" | "hybrid";

export async function detectVersion(root: string): Promise<CgroupVersion> {
  if (await exists(join(root, "cgroup.controllers"))) return "v2";
  if (await isDirectory(join(root, "unified"))) return "hybrid";
  return "v1";
}
