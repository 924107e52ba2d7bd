/**
 * Startup checks that turn a later, puzzling failure into one clear message:
 * the cgroup root must be readable by this process (Deno permission and file
 * mode) and look like a cgroup filesystem (v2 `cgroup.controllers`, or v1
 * controller directories).
 *
 * @module
 */
import { COLLECTOR_CGROUP_MOUNT } from "./config/mod.ts";

const CGROUP_MARKERS = ["cgroup.controllers", "unified", "memory", "cpuacct", "cpu,cpuacct"];

/** Undefined when the root is usable, else the reason it is not. */
export async function cgroupRootProblem(root: string): Promise<string | undefined> {
  const entries: string[] = [];
  try {
    for await (const entry of Deno.readDir(root)) entries.push(entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) {
      return `cannot read the cgroup root ${root}: Deno read permission is missing ` +
        `(--allow-read=${root}); start the collector with \`deno task collect\`, which derives ` +
        `its flags from MINI_COLLECTOR_CGROUP_PATH`;
    }
    if (error instanceof Deno.errors.NotFound) {
      return `the cgroup root ${root} does not exist: expose the cgroup filesystem there ` +
        `(as root: collector/expose-cgroup.sh ${root}) or point MINI_COLLECTOR_CGROUP_PATH ` +
        `at where it is exposed (e.g. ${COLLECTOR_CGROUP_MOUNT})`;
    }
    return `cannot read the cgroup root ${root}: ${(error as Error).message}`;
  }
  if (!entries.some((name) => CGROUP_MARKERS.includes(name))) {
    return `${root} does not look like a cgroup filesystem (no cgroup.controllers, no memory ` +
      `or cpuacct controller): expose it with collector/expose-cgroup.sh ${root} (as root) ` +
      `or fix MINI_COLLECTOR_CGROUP_PATH`;
  }
  return undefined;
}
