/**
 * Reads a container's cgroup, whatever the host's layout, in two steps:
 * {@link locateCgroup} detects the hierarchy version and finds the
 * container's directories (undefined when its cgroup does not exist: not
 * running), {@link readLocated} reads them into a RawCgroup. A caller that
 * keeps files open locates once and reads the same directories every poll.
 *
 * @module
 */

import { join } from "node:path";
import { CgroupDirectory, isDirectory } from "./directory.ts";
import { detectVersion } from "./detect.ts";
import type { FileReader } from "./files.ts";
import { type CgroupLocation, findCgroup } from "./locate.ts";
import type { RawCgroup } from "./raw.ts";
import { readPressure } from "./read_pressure.ts";
import { locateV1, type V1Paths } from "./v1/locate.ts";
import { readV1 } from "./v1/read.ts";
import { locateV2 } from "./v2/locate.ts";
import { readV2 } from "./v2/read.ts";

/** A container's cgroup directories: one on v2; one per controller on v1, plus the unified twin on a hybrid host. */
export type LocatedCgroup =
  | { version: "v2"; path: string }
  | { version: "v1"; paths: V1Paths; unified?: string };

export async function locateCgroup(
  root: string,
  location: CgroupLocation,
  errors: string[],
): Promise<LocatedCgroup | undefined> {
  if (!await isDirectory(root)) {
    errors.push(`${root}: the cgroup root is not a readable directory`);
    return undefined;
  }
  const version = await detectVersion(root);
  if (version === "v2") {
    const path = await locateV2(root, location);
    return path === undefined ? undefined : { version, path };
  }
  const paths = await locateV1(root, location);
  if (paths === undefined) return undefined;
  const unified = version === "hybrid"
    ? await findCgroup(join(root, "unified"), location)
    : undefined;
  return { version: "v1", paths, unified };
}

/** Every directory of a located cgroup. */
export function locatedDirectories(cgroup: LocatedCgroup): string[] {
  if (cgroup.version === "v2") return [cgroup.path];
  return [...Object.values(cgroup.paths), cgroup.unified].filter((path) => path !== undefined);
}

/** Reads the located cgroup's files: synchronously, as every cgroup file is (./directory.ts). */
export function readLocated(
  cgroup: LocatedCgroup,
  files: FileReader,
  errors: string[],
): RawCgroup {
  if (cgroup.version === "v2") return readV2(cgroup.path, errors, files);
  const raw = readV1(cgroup.paths, errors, files);
  if (cgroup.unified !== undefined) {
    Object.assign(raw, readPressure(new CgroupDirectory(cgroup.unified, errors, files)));
  }
  return raw;
}
