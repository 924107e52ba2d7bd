/**
 * Lists the cgroups below a cgroup root (the exposed mount,
 * `MINI_COLLECTOR_CGROUP_PATH`) whose paths match patterns the caller gives:
 * a container runtime's layouts (collector/host/). This module knows no
 * runtime; it walks the pattern's segments, one directory listing per
 * segment that is a pattern, never the whole tree, so it is cheap enough for
 * every poll.
 *
 * On cgroup v1 and hybrid hosts the cgroups are listed in the `memory`
 * controller, which every cgroup the sampler can read has; on v2 in the
 * unified tree. A directory that vanishes during the listing is simply
 * absent; names that do not match are ignored.
 *
 * @module
 */

import { join } from "node:path";
import { detectVersion } from "./detect.ts";
import { isDirectory } from "./directory.ts";

/**
 * A path pattern: one entry per path segment, a literal directory name or a
 * regular expression the whole name must match. Named groups of the
 * expressions (e.g. `(?<id>[0-9a-f]{64})`) are returned with each match.
 */
export type CgroupPattern = readonly (string | RegExp)[];

/** A cgroup whose path matched a pattern. */
export interface MatchedCgroup {
  /** Relative to each hierarchy, e.g. `docker/<id>`. */
  relativePath: string;
  /** The named groups of the pattern's expressions, from every segment. */
  groups: Record<string, string>;
}

/** The v1 controller whose hierarchy is listed; the sampler requires it. */
const LISTED_V1_CONTROLLER = "memory";

/**
 * The cgroups below `root` that match any of `patterns`, in the patterns'
 * order, each path once. Throws when the root (or, on v1, its memory
 * hierarchy) is not a readable directory, or when a directory on a pattern's
 * path exists but cannot be listed.
 */
export async function matchCgroups(
  root: string,
  patterns: readonly CgroupPattern[],
): Promise<MatchedCgroup[]> {
  if (!await isDirectory(root)) {
    throw new Error(`${root}: the cgroup root is not a readable directory`);
  }
  const hierarchy = await detectVersion(root) === "v2" ? root : join(root, LISTED_V1_CONTROLLER);
  if (!await isDirectory(hierarchy)) {
    throw new Error(`${hierarchy}: no ${LISTED_V1_CONTROLLER} controller hierarchy below ${root}`);
  }
  const found = new Map<string, MatchedCgroup>();
  for (const pattern of patterns) {
    for (const match of walk(hierarchy, "", pattern, {})) {
      if (!found.has(match.relativePath)) found.set(match.relativePath, match);
    }
  }
  return [...found.values()];
}

function walk(
  hierarchy: string,
  relativePath: string,
  pattern: CgroupPattern,
  groups: Record<string, string>,
): MatchedCgroup[] {
  if (pattern.length === 0) return [{ relativePath, groups }];
  const [segment, ...rest] = pattern;
  if (typeof segment === "string") {
    return walk(hierarchy, join(relativePath, segment), rest, groups);
  }
  return subdirectories(join(hierarchy, relativePath)).flatMap((name) => {
    const match = segment.exec(name);
    if (match === null || match[0] !== name) return [];
    return walk(hierarchy, join(relativePath, name), rest, { ...groups, ...match.groups });
  });
}

/** The names of the directories in `directory`; none when it does not exist. */
function subdirectories(directory: string): string[] {
  try {
    return [...Deno.readDirSync(directory)].filter((entry) => entry.isDirectory)
      .map((entry) => entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return [];
    }
    throw new Error(`${directory}: cannot list cgroups: ${(error as Error).message}`);
  }
}
