/**
 * The limit cadence of a kept cgroup reader (collector/cgroup/files.ts) against
 * this machine's live cgroup filesystem: a memory limit changed in a real
 * container's cgroup (what `docker update --memory` does) is answered from the
 * last reading until the refresh period is over, and seen once it is, while a
 * file that is not a limit is read afresh every time. Needs root and cgroup v1
 * (tests/support/live_cgroup.ts); skipped with a printed reason otherwise.
 *
 * @module
 */

import assert from "node:assert/strict";
import { KeptFiles } from "../collector/cgroup/files.ts";
import { createLiveCgroup, liveCgroupLayout, sh } from "./support/live_cgroup.ts";
import { waitUntil } from "./support/until.ts";

const MIB = 1024 * 1024;
const REFRESH_MS = 1_500;

const layout = await liveCgroupLayout();
const reason = typeof layout !== "string"
  ? layout.reason
  : layout === "v2"
  ? "this host is cgroup v2 only; the live test writes a cgroup v1 memory limit"
  : undefined;
if (reason !== undefined) console.log(`cgroup limits live test skipped: ${reason}`);

Deno.test({
  name: "a memory limit changed in a live cgroup is seen within the kept reader's refresh period",
  ignore: reason !== undefined,
  async fn() {
    const scratch = await Deno.makeTempDir({ prefix: "cgroup-limits-live-" });
    const cgroup = await createLiveCgroup({
      memoryLimitMb: 128,
      pidsMax: 32,
      cpuLimitMilli: 1000,
      ballastMb: 1,
      scratch,
    });
    try {
      const relative = `memory/docker/${cgroup.containerId}`;
      const limit = `${cgroup.exposed}/${relative}/memory.limit_in_bytes`;
      const usage = `${cgroup.exposed}/${relative}/memory.usage_in_bytes`;
      using files = new KeptFiles({ limitRefreshMs: REFRESH_MS });
      assert.equal(files.read(limit), `${128 * MIB}\n`);
      assert.ok(files.read(usage));

      await sh(`echo ${256 * MIB} > "/sys/fs/cgroup/$1/memory.limit_in_bytes"`, relative);
      const changedAt = performance.now();
      assert.equal(files.read(limit), `${128 * MIB}\n`, "within the period: the last reading");
      await waitUntil(
        () => files.read(limit) === `${256 * MIB}\n`,
        REFRESH_MS + 5_000,
        "the new limit through the kept reader",
      );
      const seenAfterMs = performance.now() - changedAt;
      assert.ok(
        seenAfterMs <= REFRESH_MS + 1_000,
        `seen ${Math.round(seenAfterMs)} ms after the change, refresh period ${REFRESH_MS} ms`,
      );
      assert.equal(files.failed, false);
    } finally {
      await cgroup.remove();
      await Deno.remove(scratch, { recursive: true });
    }
  },
});
