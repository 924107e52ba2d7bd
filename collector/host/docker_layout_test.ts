import assert from "node:assert/strict";
import { join } from "node:path";
import { CgroupSampler } from "../cgroup/mod.ts";
import { detectVersion } from "../cgroup/detect.ts";
import { ContainerTree } from "../../tests/support/cgroup_container_tree.ts";
import { discoverDockerContainers, dockerCgroupPaths } from "./docker_layout.ts";
import type { HostContainer } from "./runtime.ts";

const MORE_IDS = [
  "41c9515e6ce927590afd0ec2a6a42726fefccf4cc6cb31ba24399c4db798b8d4",
  "a34d27b05bcf2099dc50356b547c031a1b7f4d3afd24cde7c00372126b73047c",
  "cacf895fe7cb9022604687b1368a54569bad47f99956f0cc6747cd8f6f91ebb0",
];

const { cgroupfs, systemd } = ContainerTree.layouts;

function byId(containers: HostContainer[]): HostContainer[] {
  return containers.toSorted((a, b) => a.containerId < b.containerId ? -1 : 1);
}

/** Every discovered container reads as running, without errors, through the sampler. */
async function assertSampleable(root: string, containers: HostContainer[]) {
  for (const container of containers) {
    const result = await new CgroupSampler({ root, relativePaths: [container.relativePath] })
      .sample(performance.now());
    assert.deepEqual(
      { running: result.running, errors: result.errors },
      { running: true, errors: [] },
      container.relativePath,
    );
  }
}

type CgroupVersion = Awaited<ReturnType<typeof detectVersion>>;

const CASES: {
  name: string;
  fixture: string;
  withoutUnified?: boolean;
  version: CgroupVersion;
  layout: (id: string) => string;
}[] = [
  { name: "v1 cgroupfs", fixture: "v1-cgroupfs", version: "v1", layout: cgroupfs },
  {
    name: "v1 systemd",
    fixture: "hybrid-systemd",
    withoutUnified: true,
    version: "v1",
    layout: systemd,
  },
  { name: "v2 cgroupfs", fixture: "v2-cgroupfs", version: "v2", layout: cgroupfs },
  { name: "v2 systemd", fixture: "v2-systemd", version: "v2", layout: systemd },
  { name: "hybrid systemd", fixture: "hybrid-systemd", version: "hybrid", layout: systemd },
];

for (const { name, fixture, withoutUnified, version, layout } of CASES) {
  Deno.test(`discoverDockerContainers lists every container of a ${name} root`, async () => {
    await using tree = await ContainerTree.create(fixture, { withoutUnified });
    assert.equal(await detectVersion(tree.root), version);
    const added = await tree.addAll(MORE_IDS, layout);
    const found = await discoverDockerContainers(tree.root);
    assert.deepEqual(found, byId([tree.original, ...added]));
    await assertSampleable(tree.root, found);
  });
}

Deno.test("discoverDockerContainers lists both layouts side by side, cgroupfs first for one id", async () => {
  await using tree = await ContainerTree.create("hybrid-systemd");
  const cgroupfsOnes = await tree.addAll(MORE_IDS.slice(0, 2), cgroupfs);
  const [duplicate] = await tree.addAll([tree.original.containerId], cgroupfs);
  const systemdOnes = await tree.addAll(MORE_IDS.slice(2), systemd);
  const found = await discoverDockerContainers(tree.root);
  assert.deepEqual(found, byId([duplicate, ...cgroupfsOnes, ...systemdOnes]));
  await assertSampleable(tree.root, found);
});

Deno.test("discoverDockerContainers ignores names that are not a container's cgroup", async () => {
  await using tree = await ContainerTree.create("v2-cgroupfs");
  const id = MORE_IDS[0];
  for (
    const noise of [
      "docker/not-a-container",
      `docker/${id.toUpperCase()}`,
      `docker/${id.slice(1)}`,
      `docker/${id}0`,
      `system.slice/docker-${id}.scope.d`,
      `system.slice/docker-${id}`,
      `system.slice/docker-${id.slice(1)}.scope`,
      `system.slice/containerd-${id}.scope`,
      "system.slice/docker.service",
      "system.slice/containerd.service",
    ]
  ) await tree.add(noise);
  await Deno.writeTextFile(join(tree.root, "docker", MORE_IDS[1]), "a file, not a cgroup\n");
  assert.deepEqual(await discoverDockerContainers(tree.root), [tree.original]);
});

Deno.test("discoverDockerContainers follows containers that stop and layouts that vanish", async () => {
  await using tree = await ContainerTree.create("v2-cgroupfs");
  const [first, second] = await tree.addAll(MORE_IDS.slice(0, 2), cgroupfs);
  const [third] = await tree.addAll(MORE_IDS.slice(2), systemd);
  assert.deepEqual(
    await discoverDockerContainers(tree.root),
    byId([tree.original, first, second, third]),
  );

  await tree.remove(first.relativePath);
  assert.deepEqual(await discoverDockerContainers(tree.root), byId([tree.original, second, third]));

  await Deno.remove(join(tree.root, "docker"), { recursive: true });
  assert.deepEqual(await discoverDockerContainers(tree.root), [third]);

  await Deno.remove(join(tree.root, "system.slice"), { recursive: true });
  assert.deepEqual(await discoverDockerContainers(tree.root), []);
});

Deno.test("discoverDockerContainers fails naming the root or the hierarchy it cannot read", async () => {
  await using tree = await ContainerTree.create("v1-cgroupfs");
  const missing = join(tree.root, "absent");
  await assert.rejects(discoverDockerContainers(missing), {
    message: `${missing}: the cgroup root is not a readable directory`,
  });
  await Deno.remove(join(tree.root, "memory"), { recursive: true });
  await assert.rejects(discoverDockerContainers(tree.root), {
    message: `${join(tree.root, "memory")}: no memory controller hierarchy below ${tree.root}`,
  });
});

Deno.test("dockerCgroupPaths: the cgroupfs driver's path, then the systemd driver's", () => {
  assert.deepEqual(dockerCgroupPaths("abc"), ["docker/abc", "system.slice/docker-abc.scope"]);
});
