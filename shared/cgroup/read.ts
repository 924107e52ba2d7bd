/**
 * Reads a container's cgroup once, whatever the host's layout: detects the
 * hierarchy version, locates the container and reads it into a RawCgroup;
 * undefined when the container's cgroup does not exist (not running).
 *
 * @module
 */

import { join } from "node:path";
import { CgroupDirectory, isDirectory } from "./directory.ts";
import { detectVersion } from "./detect.ts";
import { type CgroupLocation, findCgroup } from "./locate.ts";
import type { RawCgroup } from "./raw.ts";
import { readPressure } from "./read_pressure.ts";
import { locateV1 } from "./v1/locate.ts";
import { readV1 } from "./v1/read.ts";
import { locateV2 } from "./v2/locate.ts";
import { readV2 } from "./v2/read.ts";

export async function readCgroup(
  root: string,
  location: CgroupLocation,
  errors: string[],
): Promise<RawCgroup | undefined> {
  if (!await isDirectory(root)) {
    errors.push(`${root}: the cgroup root is not a readable directory`);
    return undefined;
  }
  const version = await detectVersion(root);
  if (version === "v2") {
    const path = await locateV2(root, location);
    return path === undefined ? undefined : await readV2(path, errors);
  }
  const paths = await locateV1(root, location);
  if (paths === undefined) return undefined;
  const raw = await readV1(paths, errors);
  if (version === "hybrid") {
    const unified = await findCgroup(join(root, "unified"), location);
    if (unified !== undefined) {
      Object.assign(raw, await readPressure(new CgroupDirectory(unified, errors)));
    }
  }
  return raw;
}
