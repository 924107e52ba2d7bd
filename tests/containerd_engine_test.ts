/**
 * Per-host mode on a Kubernetes node's runtime: a real containerd with its
 * CRI plugin (tests/support/containerd_engine.ts), pods and containers
 * created through the CRI API as the kubelet would, and the real collector
 * (MINI_COLLECTOR_HOST_RUNTIME=containerd, under its declared flags) finding
 * them in the kubelet's cgroup layout and tagging them through the CRI API on
 * the runtime's socket. Checked: tags by the default mapping, pod sandboxes
 * left out, the runtime asked only when a new cgroup appears, stop, a
 * container re-created in its pod (the kubelet's restart), kill, remove,
 * pause; an OOM-killed process's counter; CPU under a quota and memory held
 * against the runtime's ContainerStats and the cgroup files. Needs root,
 * containerd, runc and busybox-static; skipped with the reason otherwise
 * (failed where MINI_COLLECTOR_TEST_ENGINES=required).
 */
import assert from "node:assert/strict";
import { RuntimeService } from "../shared/gen/runtime/v1/cri_pb.ts";
import { ContainerdEngine, containerdUnavailable } from "./support/containerd_engine.ts";
import { skipEngineTest } from "./support/engine_availability.ts";
import { compareFigures, type FigureRow } from "./support/engine_figures.ts";
import { OOM_SCRIPT, SPIN_SCRIPT } from "./support/engine_workloads.ts";
import { readCgroupFigures } from "./support/host_cgroup_files.ts";
import { HostModeRun } from "./support/host_mode_run.ts";

const POLL_MS = 1000;
const MIB = 1024 * 1024;

const ignore = skipEngineTest("containerd", await containerdUnavailable());

Deno.test({
  name:
    "host mode on a real containerd through CRI: tags from pods, sandboxes left out, lifecycle, pause, OOM kills, CPU and memory against ContainerStats and the cgroup files",
  ignore,
  async fn() {
    await using engine = await ContainerdEngine.start();
    await using run = await HostModeRun.start();
    const web = await engine.runPod({
      name: "web-1",
      namespace: "shop",
      labels: { "app.kubernetes.io/name": "storefront", "app.kubernetes.io/part-of": "retail" },
      containers: [{ name: "nginx", script: "exec sleep 3600" }],
    });
    const spinner = await engine.runPod({
      name: "spinner-1",
      namespace: "shop",
      containers: [{ name: "spin", script: SPIN_SCRIPT, cpuQuotaMilli: 500 }],
    });
    const ballast = await engine.runPod({
      name: "ballast-1",
      namespace: "batch",
      containers: [{
        name: "ballast",
        script: "dd if=/dev/zero of=/dev/shm/ballast bs=1M count=48 2>/dev/null; exec sleep 3600",
      }],
    });
    const oom = await engine.runPod({
      name: "oom-1",
      namespace: "batch",
      containers: [{ name: "oom", script: OOM_SCRIPT, memoryLimitBytes: 32 * MIB }],
    });
    const nginx = web.containers.nginx;
    const spin = spinner.containers.spin;
    const held = ballast.containers.ballast;
    const killed = oom.containers.oom;
    const paths = (pod: typeof web, id: string) => [`kubepods/burstable/pod${pod.uid}/${id}`];

    const collector = run.startCollector({
      MINI_COLLECTOR_HOST_RUNTIME: "containerd",
      MINI_COLLECTOR_CRI_SOCKET: engine.socket,
      MINI_COLLECTOR_POLL_INTERVAL: `${POLL_MS}ms`,
      MINI_COLLECTOR_DEBUG: "",
    });
    const listings = () => collector.stderr.match(/asked ".*": \d+ pod sandboxes/g)?.length ?? 0;

    // Tags by the default mapping; sandboxes neither sampled nor counted as unknown.
    await run.pointsOfEach([nginx, spin, held, killed], 3);
    assert.deepEqual(run.last(nginx).tags, {
      environment: "shop",
      service: "storefront",
      app: "retail",
      container: nginx,
      host_name: "web-1",
    });
    assert.deepEqual(
      [run.last(spin).tags.environment, run.last(spin).tags.service, run.last(spin).tags.app],
      ["shop", "spin", "shop"],
    );
    for (const pod of [web, spinner, ballast, oom]) assert.equal(run.of(pod.sandboxId).length, 0);
    assert.doesNotMatch(collector.stderr, /unknown to/);
    // Asked once per new cgroup, not per poll.
    const steady = listings();
    await run.morePoints(nginx, 3);
    assert.equal(listings(), steady, "no listing while no cgroup appears");

    // OOM kills: at least three (one per round), the collector's counter as the kernel's.
    const oomKills = await run.settledOomKills(killed, paths(oom, killed), 3);

    // CPU under a 0.5 CPU quota and memory held: collector, ContainerStats, cgroup files.
    const [fileBefore, statsBefore, started] = [
      await readCgroupFigures(run.exposed, paths(spinner, spin)),
      await engine.stats(spin),
      performance.now(),
    ];
    await run.morePoints(spin, 3);
    const [fileAfter, statsAfter, elapsedMs] = [
      await readCgroupFigures(run.exposed, paths(spinner, spin)),
      await engine.stats(spin),
      performance.now() - started,
    ];
    const milli = (ns: bigint) => Number(ns) / (elapsedMs * 1000);
    const ballastFiles = await readCgroupFigures(run.exposed, paths(ballast, held));
    const ballastStats = await engine.stats(held);
    const cpuPoints = run.of(spin).slice(-3).map((point) => point.metrics.milli_cpu_usage);
    const rows: FigureRow[] = [
      {
        container: "spin",
        figure: "CPU (milli)",
        collector: cpuPoints.reduce((a, b) => a + b) / cpuPoints.length,
        engine: milli(statsAfter.cpuNs - statsBefore.cpuNs),
        files: milli(fileAfter.cpuUsageNs - fileBefore.cpuUsageNs),
        tolerance: 100,
      },
      {
        container: "ballast",
        figure: "memory working set (MiB)",
        collector: run.last(held).metrics.memory_working_set_mb,
        engine: Number(ballastStats.workingSetBytes) / MIB,
        files: Number(ballastFiles.workingSetBytes) / MIB,
        tolerance: 2,
      },
      {
        container: "oom",
        figure: "OOM kills",
        collector: run.last(killed).metrics.memory_oom_kills,
        files: oomKills,
        tolerance: 0,
      },
    ];
    compareFigures("ContainerStats", rows);
    assert.equal(run.last(spin).metrics.cpu_limit_milli, 500);
    assert.ok(run.last(held).metrics.memory_working_set_mb >= 48, "the 48 MiB in /dev/shm");

    // Pause (ctr: the CRI has no pause): the cgroup is frozen, not removed: running=1, CPU 0.
    await engine.task("pause", spin);
    await run.morePoints(spin, 3);
    const paused = run.of(spin).slice(-2);
    assert.deepEqual(paused.map((point) => point.metrics.running), [1, 1]);
    assert.deepEqual(paused.map((point) => point.metrics.milli_cpu_usage), [0, 0]);
    await engine.task("resume", spin);
    await run.waitFor(() => run.last(spin).metrics.milli_cpu_usage > 0, "CPU after resume");

    // Stop: exactly one running=0 point.
    await engine.cri.call(RuntimeService.method.stopContainer, { containerId: nginx, timeout: 1n });
    await run.waitFor(() => run.zeros(nginx) === 1, "the stopped container's running=0 point");
    // The kubelet's restart: a new container in the same pod, sampled within about a poll.
    const startedAt = performance.now();
    const again = await engine.startContainer(web, { name: "nginx", script: "exec sleep 3600" }, 1);
    await run.waitFor(() => run.of(again).length > 0, "the re-created container's first point");
    const pickedUpMs = performance.now() - startedAt;
    console.log(
      `a container created during the run: first point after ${pickedUpMs.toFixed(0)} ms`,
    );
    assert.ok(pickedUpMs < 3 * POLL_MS, `picked up after ${pickedUpMs} ms`);
    assert.equal(run.last(again).tags.service, "storefront");
    assert.ok(listings() > steady, "a new cgroup: the runtime asked again");
    // Kill (stop without grace): one running=0. Remove: nothing more.
    await engine.cri.call(RuntimeService.method.stopContainer, { containerId: again, timeout: 0n });
    await run.waitFor(() => run.zeros(again) === 1, "the killed container's running=0 point");
    await engine.cri.call(RuntimeService.method.removeContainer, { containerId: again });
    const afterRemove = run.of(again).length;
    await run.morePoints(spin, 2);
    assert.equal(run.of(again).length, afterRemove, "no point after remove");
    assert.equal(run.zeros(nginx), 1, "the stopped container stayed stopped");

    assert.equal(await collector.stop("SIGTERM"), 0, collector.stderr.slice(-3000));
  },
});
