import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_LABEL_PREFIX } from "../config/mod.ts";
import type { PublishRequest } from "../../shared/gen/aggregator_pb.ts";
import { setupLogging } from "../../shared/log.ts";
import { ContainerTree } from "../../tests/support/cgroup_container_tree.ts";
import type { PointSource } from "../source.ts";
import { containerConfigPath } from "./container_tags.ts";
import { HostContainers } from "./containers.ts";
import { DockerRuntime } from "./docker.ts";

const DOCKER_FIXTURES = fileURLToPath(new URL("../../tests/fixtures/docker/", import.meta.url));

/** The Docker fixture containers (tests/fixtures/docker/README.md). */
const WEB = "8b66c5023cd1123a48b273564d74a6cc9cdc9166d8d5cd3a4735e1743c849ee1";
const WORKER = "e3f71341f2968289d0d675ba1dd67e298673e15e252ae14ec595290b036bacde";
const ORDERS_DB = "2671fad8ec688d7760cbeb2de377364ecc61267eba5bef965bcc208614a4d2e9";
const GARBAGE = "540effbf2c895760c12a728791ab236eb60d1262f9ad0d0abb52c9df2c7974b3";

const { cgroupfs, systemd } = ContainerTree.layouts;

/**
 * A host: a cgroup tree built from a real fixture, and a Docker root holding
 * copies of the Docker fixtures' container configs.
 */
class Host implements AsyncDisposable {
  readonly dockerRoot = Deno.makeTempDirSync({ prefix: "docker-root-" });
  readonly logs: Record<string, unknown>[] = [];
  readonly containers: HostContainers;
  /** Whole milliseconds, so that 10 s steps add up exactly (the tag cache rechecks at 10 s). */
  #monotonicMs = Math.floor(performance.now());

  private constructor(readonly tree: ContainerTree) {
    for (const entry of Deno.readDirSync(join(DOCKER_FIXTURES, "containers"))) {
      Deno.mkdirSync(join(this.dockerRoot, "containers", entry.name), { recursive: true });
      Deno.copyFileSync(
        containerConfigPath(DOCKER_FIXTURES, entry.name),
        containerConfigPath(this.dockerRoot, entry.name),
      );
    }
    setupLogging({
      debug: false,
      json: true,
      write: (line) => this.logs.push(JSON.parse(line)),
    });
    this.containers = new HostContainers({
      cgroupRoot: tree.root,
      runtime: new DockerRuntime({
        dockerRoot: this.dockerRoot,
        labelPrefix: DEFAULT_LABEL_PREFIX,
        defaultEnvironment: "fleet",
      }, { now: () => this.#monotonicMs }),
    });
  }

  static async create(fixture: string): Promise<Host> {
    return new Host(await ContainerTree.create(fixture));
  }

  /** One poll, 10 s after the last: each source's point by container id. */
  async poll(): Promise<Map<string, { source: PointSource; point: PublishRequest }>> {
    this.#monotonicMs += 10_000;
    const time = { wallMs: Date.now(), monotonicMs: this.#monotonicMs };
    const polled = new Map<string, { source: PointSource; point: PublishRequest }>();
    for (const source of await this.containers.sources()) {
      assert.ok(!polled.has(source.tags.container), `${source.tags.container} listed twice`);
      polled.set(source.tags.container, { source, point: await source.sampler.sample(time) });
    }
    return polled;
  }

  /** The properties of the log records whose message matches, about `containerId` if given. */
  logged(pattern: RegExp, containerId?: string): Record<string, unknown>[] {
    return this.logs
      .filter((record) => pattern.test(String(record.message)))
      .map((record) => record.properties as Record<string, unknown>)
      .filter((properties) => containerId === undefined || properties.containerId === containerId);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.tree[Symbol.asyncDispose]();
    await Deno.remove(this.dockerRoot, { recursive: true });
  }
}

const ids = (polled: Map<string, unknown>) => [...polled.keys()].sort();

Deno.test("every container with tags is sampled under its own labels; disk fields -1, first rates 0", async () => {
  await using host = await Host.create("v2-cgroupfs");
  await host.tree.add(cgroupfs(WEB));
  await host.tree.add(systemd(WORKER));
  await host.tree.add(cgroupfs(ORDERS_DB));
  const polled = await host.poll();
  assert.deepEqual(ids(polled), [ORDERS_DB, WEB, WORKER].sort());
  const tags = (id: string) => polled.get(id)!.source.tags;
  assert.deepEqual(
    [tags(WEB).environment, tags(WEB).service, tags(WEB).app, tags(WEB).host_name],
    ["production", "web", "shop", WEB.slice(0, 12)],
  );
  assert.deepEqual([tags(WORKER).environment, tags(WORKER).service], ["fleet", "worker"]);
  assert.deepEqual([tags(ORDERS_DB).service, tags(ORDERS_DB).database], ["postgres", "orders"]);
  for (const { point } of polled.values()) {
    assert.equal(point.running, true);
    assert.ok(point.memoryTotalMb > 0n);
    assert.deepEqual([point.diskUsageMb, point.diskLimitMb], [-1n, -1n]);
    assert.deepEqual([point.milliCpuUsage, point.diskReadKbps, point.diskWriteIops], [0n, 0n, 0n]);
  }
  // The fixture's own container has no Docker config: unknown to Docker, counted, not skipped.
  assert.equal(host.logged(/ skipped: /, host.tree.original.containerId).length, 0);
  assert.deepEqual([...host.containers.unknown.keys()], [host.tree.original.containerId]);
});

Deno.test("unknown cgroups are counted in one line, logged again only when a new one appears", async () => {
  await using host = await Host.create("v2-cgroupfs");
  await host.tree.add(cgroupfs(WEB));
  const strangers = Array.from({ length: 50 }, (_, i) => i.toString(16).padStart(64, "c"));
  await host.tree.addAll(strangers, cgroupfs);
  for (let poll = 0; poll < 3; poll++) assert.deepEqual(ids(await host.poll()), [WEB]);
  const summaries = () => host.logged(/container cgroups unknown to /);
  assert.equal(summaries().length, 1);
  assert.deepEqual(
    [summaries()[0].count, summaries()[0].unreported, summaries()[0].runtime],
    [51, 51, "docker"],
  );
  assert.match(String(summaries()[0].where), /^no .*\/config\.v2\.json$/);
  assert.equal(host.logs.filter((record) => /skipped/.test(String(record.message))).length, 0);

  // One goes away: no line. A new one appears: one line, counting it.
  await host.tree.remove(cgroupfs(strangers[0]));
  await host.poll();
  assert.equal(summaries().length, 1);
  await host.tree.add(cgroupfs("d".repeat(64)));
  await host.poll();
  await host.poll();
  assert.deepEqual(summaries().map((line) => [line.count, line.unreported]), [[51, 51], [51, 1]]);
});

Deno.test("a container that appears is sampled from the poll that first lists it, rates 0 at first", async () => {
  await using host = await Host.create("v2-cgroupfs");
  await host.tree.add(cgroupfs(WEB));
  assert.deepEqual(ids(await host.poll()), [WEB]);
  await host.tree.add(cgroupfs(WEB), "t1");
  await host.tree.add(cgroupfs(WORKER), "t1");
  const polled = await host.poll();
  assert.deepEqual(ids(polled), [WEB, WORKER].sort());
  assert.ok(polled.get(WEB)!.point.milliCpuUsage > 0n, "the counters moved from t0 to t1");
  assert.equal(polled.get(WORKER)!.point.running, true);
  assert.equal(polled.get(WORKER)!.point.milliCpuUsage, 0n, "no rate from a first sample");
  const found = host.logged(/ found at /, WORKER);
  assert.deepEqual(found.map((properties) => properties.relativePath), [cgroupfs(WORKER)]);
});

Deno.test("a container that disappears gets exactly one running=false point, then is forgotten", async () => {
  await using host = await Host.create("v2-cgroupfs");
  await host.tree.add(cgroupfs(WEB));
  await host.tree.add(systemd(WORKER));
  await host.poll();
  await host.tree.remove(systemd(WORKER));
  const last = await host.poll();
  assert.deepEqual(ids(last), [WEB, WORKER].sort());
  const { point, source } = last.get(WORKER)!;
  assert.equal(source.tags.service, "worker");
  assert.equal(point.running, false);
  assert.deepEqual(
    [point.milliCpuUsage, point.memoryTotalMb, point.memoryLimitMb, point.pidsCurrent],
    [0n, 0n, 0n, 0n],
  );
  assert.deepEqual([point.diskUsageMb, point.diskLimitMb], [-1n, -1n]);
  assert.deepEqual(ids(await host.poll()), [WEB]);
  assert.deepEqual(ids(await host.poll()), [WEB]);
  assert.equal(host.containers.size, 1);
  assert.equal(host.logged(/ is gone/, WORKER).length, 1);
});

Deno.test("a container that comes back under the same id starts over: a new sampler, rates 0", async () => {
  await using host = await Host.create("v2-cgroupfs");
  await host.tree.add(cgroupfs(WEB));
  await host.tree.add(cgroupfs(ORDERS_DB));
  const first = await host.poll();
  await host.tree.remove(cgroupfs(WEB));
  assert.equal((await host.poll()).get(WEB)!.point.running, false);
  // Back with the later counters: a sampler that remembered t0 would report CPU use.
  await host.tree.add(cgroupfs(WEB), "t1");
  await host.tree.add(cgroupfs(ORDERS_DB), "t1");
  const back = await host.poll();
  assert.equal(back.get(WEB)!.point.running, true);
  assert.equal(back.get(WEB)!.point.milliCpuUsage, 0n);
  assert.notEqual(back.get(WEB)!.source, first.get(WEB)!.source);
  assert.ok(back.get(ORDERS_DB)!.point.milliCpuUsage > 0n, "a container that stayed has rates");
  assert.equal(back.get(ORDERS_DB)!.source, first.get(ORDERS_DB)!.source);
});

Deno.test("a garbage config.v2.json is skipped and logged once, again only when its reason changes", async () => {
  await using host = await Host.create("v2-cgroupfs");
  await host.tree.add(cgroupfs(WEB));
  await host.tree.add(cgroupfs(GARBAGE));
  for (let poll = 0; poll < 3; poll++) assert.deepEqual(ids(await host.poll()), [WEB]);
  const skips = () => host.logged(/ skipped: /, GARBAGE).map((properties) => properties.reason);
  assert.equal(skips().length, 1);
  assert.match(String(skips()[0]), /config\.v2\.json: not JSON/);

  // Repaired: sampled from the next poll. Broken differently: dropped, logged once more.
  const path = containerConfigPath(host.dockerRoot, GARBAGE);
  const web = JSON.parse(Deno.readTextFileSync(containerConfigPath(host.dockerRoot, WEB)));
  Deno.writeTextFileSync(path, JSON.stringify({ ...web, ID: GARBAGE }));
  assert.deepEqual(ids(await host.poll()), [GARBAGE, WEB].sort());
  Deno.writeTextFileSync(path, "[]");
  for (let poll = 0; poll < 2; poll++) assert.deepEqual(ids(await host.poll()), [WEB]);
  assert.equal(skips().length, 2);
  assert.match(String(skips()[1]), /config\.v2\.json: not a JSON object/);
  assert.equal(host.logged(/ no longer has tags/, GARBAGE).length, 1);
});

Deno.test("labels that change take effect at the next poll 10 s on, on the same sampler", async () => {
  await using host = await Host.create("v2-cgroupfs");
  await host.tree.add(cgroupfs(WEB));
  const before = (await host.poll()).get(WEB)!;
  const serviceBefore = before.source.tags.service;
  const path = containerConfigPath(host.dockerRoot, WEB);
  const config = JSON.parse(Deno.readTextFileSync(path));
  config.Config.Labels["mini-collector.service"] = "storefront";
  Deno.writeTextFileSync(path, JSON.stringify(config));
  const after = (await host.poll()).get(WEB)!;
  assert.equal(after.source, before.source);
  assert.deepEqual([serviceBefore, after.source.tags.service], ["web", "storefront"]);
});

Deno.test("when the listing fails, the known containers are sampled and the failure logged once", async () => {
  await using host = await Host.create("v2-cgroupfs");
  await host.tree.add(cgroupfs(WEB));
  await host.poll();
  const hidden = `${host.tree.root}.hidden`;
  await Deno.rename(host.tree.root, hidden);
  try {
    for (let poll = 0; poll < 3; poll++) {
      const polled = await host.poll();
      assert.deepEqual(ids(polled), [WEB]);
      assert.equal(polled.get(WEB)!.point.running, false);
    }
    const failures = host.logged(/cannot list the containers, sampling the 1 known/);
    assert.equal(failures.length, 1);
    assert.match(String(failures[0].error), /the cgroup root is not a readable directory/);
  } finally {
    await Deno.rename(hidden, host.tree.root);
  }
  assert.equal((await host.poll()).get(WEB)!.point.running, true);
});
