/**
 * Micro-benchmark of one collector sample, alone: CgroupSampler reading a
 * cgroup fixture (the hybrid v1 + unified layout captured on this project's
 * host) and PointSampler building the PublishRequest, with disk usage of a
 * real directory. Run by `deno task bench` as `deno bench --json`.
 */
import { CgroupSampler } from "../collector/cgroup/mod.ts";
import { PointSampler } from "../collector/mod.ts";
import { fixturePath, readCapture } from "../tests/support/cgroup_fixtures.ts";

const FIXTURE = "hybrid-systemd";

const capture = await readCapture(FIXTURE);
const sampler = new PointSampler(
  new CgroupSampler({ root: fixturePath(FIXTURE, "t1"), relativePaths: [capture.relativePath] }),
  fixturePath(FIXTURE),
);

Deno.bench("one collector sample: cgroup read, rates, PublishRequest", async () => {
  await sampler.sample({ wallMs: Date.now(), monotonicMs: performance.now() });
});
