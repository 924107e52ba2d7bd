// Container discovery against this machine's live cgroup filesystem: creates
// several empty `docker/<random id>` cgroups (in the memory controller on a
// v1 or hybrid host, in the unified tree on v2), exposes the cgroup filesystem
// read-only with collector/expose-cgroup.sh (Deno may not read /sys:
// docs/ARCHITECTURE.md, "Platform facts"), lists the containers through the
// bind mount, removes one cgroup and lists again. Other containers on the host
// (or other tests' cgroups) may be listed too; only ours are asserted on.
// Needs root; skipped with a printed reason otherwise. Everything created is
// removed afterwards.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { discoverDockerContainers } from "../collector/host/docker_layout.ts";
import { liveCgroupLayout, sh } from "./support/live_cgroup.ts";

const CGROUP = "/sys/fs/cgroup";
const EXPOSE = fileURLToPath(new URL("../collector/expose-cgroup.sh", import.meta.url));
const CONTAINERS = 3;

const layout = await liveCgroupLayout();
if (typeof layout !== "string") console.log(`cgroup discovery live test skipped: ${layout.reason}`);

function randomContainerId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

Deno.test({
  name: "discoverDockerContainers lists real cgroups on this host through a read-only bind mount",
  ignore: typeof layout !== "string",
  async fn() {
    const hierarchy = layout === "v2" ? CGROUP : `${CGROUP}/memory`;
    const ids = Array.from({ length: CONTAINERS }, randomContainerId);
    const scratch = await Deno.makeTempDir({ prefix: "cgroup-discover-live-" });
    const exposed = `${scratch}/cgroup`;
    const parentExisted = (await sh(`[ -d "$1/docker" ] && echo yes || true`, hierarchy)).trim();
    try {
      await sh(
        `h="$1"; shift; for id in "$@"; do mkdir -p "$h/docker/$id"; done`,
        hierarchy,
        ...ids,
      );
      await sh(`sh "$1" "$2" 2>/dev/null`, EXPOSE, exposed);

      const ours = async () =>
        (await discoverDockerContainers(exposed)).filter((found) =>
          ids.includes(found.containerId)
        );
      const expected = ids.toSorted().map((id) => ({
        containerId: id,
        relativePath: `docker/${id}`,
      }));
      assert.deepEqual(await ours(), expected);

      await sh(`rmdir "$1/docker/$2"`, hierarchy, ids[0]);
      assert.deepEqual(await ours(), expected.filter((found) => found.containerId !== ids[0]));
    } finally {
      await sh(`mountpoint -q "$1" || exit 0; mount --make-rprivate "$1"; umount -R "$1"`, exposed);
      await sh(
        `h="$1"; shift; for id in "$@"; do rmdir "$h/docker/$id" 2>/dev/null || true; done`,
        hierarchy,
        ...ids,
      );
      if (parentExisted !== "yes") await sh(`rmdir "$1/docker" 2>/dev/null || true`, hierarchy);
      await Deno.remove(scratch, { recursive: true });
    }
  },
});
