import assert from "node:assert/strict";
import { CgroupSampler } from "../cgroup/mod.ts";
import { ContainerTree } from "../../tests/support/cgroup_container_tree.ts";
import { discoverKubepodsContainers } from "./kubepods_layout.ts";

const UID = "5f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7";
const SYSTEMD_UID = UID.replaceAll("-", "_");
const ids = ["a", "b", "c", "d", "e"].map((digit) => digit.repeat(64));

/** Every layout the kubelet uses, one container each. */
const LAYOUTS: Record<string, (id: string) => string> = {
  "cgroupfs guaranteed": (id) => `kubepods/pod${UID}/${id}`,
  "cgroupfs burstable": (id) => `kubepods/burstable/pod${UID}/${id}`,
  "cgroupfs besteffort": (id) => `kubepods/besteffort/pod${UID}/${id}`,
  "systemd guaranteed, containerd": (id) =>
    `kubepods.slice/kubepods-pod${SYSTEMD_UID}.slice/cri-containerd-${id}.scope`,
  "systemd burstable, CRI-O": (id) =>
    `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${SYSTEMD_UID}.slice/crio-${id}.scope`,
};

/** Fixtures of each cgroup version; the systemd layouts on the systemd-driver captures. */
const CASES = [
  { fixture: "v1-cgroupfs", layouts: Object.keys(LAYOUTS).slice(0, 3) },
  { fixture: "v2-cgroupfs", layouts: Object.keys(LAYOUTS).slice(0, 3) },
  { fixture: "v2-systemd", layouts: Object.keys(LAYOUTS).slice(3) },
  { fixture: "hybrid-systemd", layouts: Object.keys(LAYOUTS) },
];

for (const { fixture, layouts } of CASES) {
  Deno.test(`discoverKubepodsContainers on ${fixture}: ${layouts.join("; ")}`, async () => {
    await using tree = await ContainerTree.create(fixture);
    const expected = [];
    for (const [index, name] of layouts.entries()) {
      expected.push(...await tree.addAll([ids[index]], LAYOUTS[name]));
    }
    const found = await discoverKubepodsContainers(tree.root);
    assert.deepEqual(found, expected.toSorted((a, b) => a.containerId < b.containerId ? -1 : 1));
    for (const container of found) {
      const sample = await new CgroupSampler({
        root: tree.root,
        relativePaths: [container.relativePath],
      }).sample(performance.now());
      assert.deepEqual([sample.running, sample.errors], [true, []], container.relativePath);
    }
  });
}

Deno.test("discoverKubepodsContainers ignores what is not a pod's container", async () => {
  await using tree = await ContainerTree.create("hybrid-systemd");
  const id = ids[0];
  for (
    const noise of [
      `kubepods/burstable/pod${UID}/${id.slice(1)}`,
      `kubepods/burstable/pod-not-a-uid/${id}`,
      `kubepods/guaranteed/pod${UID}/${id}`,
      `kubepods/pod${UID.toUpperCase()}/${id}`,
      `kubepods.slice/kubepods-pod${UID}.slice/cri-containerd-${id}.scope`,
      `kubepods.slice/kubepods-burstable.slice/kubepods-besteffort-pod${SYSTEMD_UID}.slice/crio-${id}.scope`,
      `kubepods.slice/kubepods-pod${SYSTEMD_UID}.slice/docker-${id}.scope`,
      `kubepods.slice/kubepods-pod${SYSTEMD_UID}.slice/crio-conmon-${id}.scope`,
      `docker/${id}`,
    ]
  ) await tree.add(noise);
  assert.deepEqual(await discoverKubepodsContainers(tree.root), []);
});
