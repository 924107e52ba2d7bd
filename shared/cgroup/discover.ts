/**
 * Lists the Docker containers whose cgroups exist below a cgroup root (the
 * exposed mount, `MINI_COLLECTOR_CGROUP_PATH`), for a collector that samples
 * every container of a host. Each container comes back as its 64-hex id and
 * its cgroup's path relative to each hierarchy, ready for a sampler.
 *
 * The layouts are those {@link candidatePaths} tries for one container
 * (Docker's cgroupfs driver `docker/<id>`, its systemd driver
 * `system.slice/docker-<id>.scope`), read backwards: one directory listing
 * per layout, never a tree walk, so it is cheap enough for every poll. On
 * cgroup v1 and hybrid hosts the containers are listed in the `memory`
 * controller, which every container the sampler can read has; on v2 in the
 * unified tree. A container whose cgroup vanishes during the listing is
 * simply absent; names that are not a 64-hex id are ignored.
 *
 * @module
 */

import { join } from "node:path";
import { detectVersion } from "./detect.ts";
import { isDirectory } from "./directory.ts";
import { candidatePaths } from "./locate.ts";

/** A container found below the root: where its cgroup is, relative to each hierarchy. */
export interface DiscoveredContainer {
  /** 64 lowercase hex digits. */
  containerId: string;
  /** E.g. `docker/<id>` or `system.slice/docker-<id>.scope`. */
  relativePath: string;
}

/** The v1 controller whose hierarchy is listed; the sampler requires it. */
const LISTED_V1_CONTROLLER = "memory";

const CONTAINER_ID = /^[0-9a-f]{64}$/;

/** One layout: a parent directory and how a container's directory is named in it. */
interface Layout {
  parent: string;
  prefix: string;
  suffix: string;
}

/** The layouts {@link candidatePaths} knows, in its order of preference. */
const LAYOUTS: readonly Layout[] = layoutsOfCandidates();

function layoutsOfCandidates(): Layout[] {
  const marker = "CONTAINER-ID";
  return candidatePaths({ containerId: marker }).map((path) => {
    const slash = path.lastIndexOf("/");
    const [prefix, suffix, ...rest] = path.slice(slash + 1).split(marker);
    if (suffix === undefined || rest.length > 0 || path.slice(0, slash).includes(marker)) {
      throw new Error(`cgroup layout "${path}": the id must appear once, in the last segment`);
    }
    return { parent: path.slice(0, slash), prefix, suffix };
  });
}

/**
 * The containers whose cgroups exist below `root`, sorted by id. Throws when
 * the root (or, on v1, its memory hierarchy) is not a readable directory, or
 * when a layout's directory exists but cannot be listed.
 */
export async function discoverContainers(root: string): Promise<DiscoveredContainer[]> {
  if (!await isDirectory(root)) {
    throw new Error(`${root}: the cgroup root is not a readable directory`);
  }
  const hierarchy = await detectVersion(root) === "v2" ? root : join(root, LISTED_V1_CONTROLLER);
  if (!await isDirectory(hierarchy)) {
    throw new Error(`${hierarchy}: no ${LISTED_V1_CONTROLLER} controller hierarchy below ${root}`);
  }
  const found = new Map<string, DiscoveredContainer>();
  for (const layout of LAYOUTS) {
    for (const container of listLayout(hierarchy, layout)) {
      if (!found.has(container.containerId)) found.set(container.containerId, container);
    }
  }
  return [...found.values()].sort((a, b) => a.containerId < b.containerId ? -1 : 1);
}

function listLayout(hierarchy: string, layout: Layout): DiscoveredContainer[] {
  const directory = join(hierarchy, layout.parent);
  const containers: DiscoveredContainer[] = [];
  try {
    for (const entry of Deno.readDirSync(directory)) {
      if (!entry.isDirectory) continue;
      const { name } = entry;
      if (!name.startsWith(layout.prefix) || !name.endsWith(layout.suffix)) continue;
      const containerId = name.slice(layout.prefix.length, name.length - layout.suffix.length);
      if (!CONTAINER_ID.test(containerId)) continue;
      containers.push({ containerId, relativePath: join(layout.parent, name) });
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return containers;
    throw new Error(`${directory}: cannot list containers: ${(error as Error).message}`);
  }
  return containers;
}
