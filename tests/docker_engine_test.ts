/**
 * Per-host mode against a real Docker Engine (tests/support/docker_engine.ts):
 * the real collector (collector/main.ts under its declared flags,
 * MINI_COLLECTOR_HOST_RUNTIME=docker) reads the engine's data root and the
 * host's cgroup filesystem (exposed read-only, as in production) and
 * publishes to the real aggregator. Checked: tags from labels, kept across a rename; stop, start,
 * restart, kill, rm, a container created during the run, pause; an
 * OOM-killed process's counter; CPU under a quota and memory held against
 * `docker stats` and the cgroup files. Needs root, dockerd and busybox-static;
 * skipped with the reason otherwise (failed where MINI_COLLECTOR_TEST_ENGINES=required).
 */
import assert from "node:assert/strict";
import { containerConfigPath } from "../collector/host/container_tags.ts";
import { dockerCgroupPaths } from "../collector/host/docker_layout.ts";
import { DockerEngine, dockerUnavailable } from "./support/docker_engine.ts";
import { skipEngineTest } from "./support/engine_availability.ts";
import { readCgroupFigures } from "./support/host_cgroup_files.ts";
import { OOM_SCRIPT, SPIN_SCRIPT } from "./support/engine_workloads.ts";
import { HostModeRun } from "./support/host_mode_run.ts";
import { compareFigures } from "./support/engine_figures.ts";

const POLL_MS = 1000;
const MIB = 1024 * 1024;
/** CPU: the three figures measure different windows of a spinning process, so within 20 % of its quota. */
const CPU_TOLERANCE_MILLI = 100;
/** Memory held in tmpfs is stable; page-cache noise and MiB rounding: 2 MiB. */
const MEMORY_TOLERANCE_MIB = 2;

const ignore = skipEngineTest("Docker Engine", await dockerUnavailable());

Deno.test({
  name:
    "host mode on a real Docker Engine: tags, lifecycle, pause, OOM kills, CPU and memory against docker stats and the cgroup files",
  ignore,
  async fn() {
    await using engine = await DockerEngine.start();
    await using run = await HostModeRun.start();
    const exposed = run.exposed;
    const label = (name: string, value: string) => ["--label", `mini-collector.${name}=${value}`];
    const web = await engine.run(
      [
        ...label("environment", "production"),
        ...label("service", "web"),
        ...label("app", "shop"),
      ],
      "exec sleep 3600",
    );
    const spinner = await engine.run(
      ["--cpus", "0.5", ...label("service", "spinner")],
      SPIN_SCRIPT,
    );
    const ballast = await engine.run(
      ["--shm-size", "96m", ...label("service", "ballast")],
      "dd if=/dev/zero of=/dev/shm/ballast bs=1M count=64 2>/dev/null; exec sleep 3600",
    );
    const oom = await engine.run(
      ["--memory", "32m", "--memory-swap", "32m", ...label("service", "oom")],
      OOM_SCRIPT,
    );
    const unlabelled = await engine.run([], "exec sleep 3600");

    const collector = run.startCollector({
      MINI_COLLECTOR_HOST_RUNTIME: "docker",
      MINI_COLLECTOR_DOCKER_ROOT: engine.dataRoot,
      MINI_COLLECTOR_ENVIRONMENT_NAME: "fleet",
      MINI_COLLECTOR_POLL_INTERVAL: `${POLL_MS}ms`,
    });

    // Tags from labels; the default environment for containers without the label; the unlabelled one skipped.
    await run.pointsOfEach([web, spinner, ballast, oom], 3);
    assert.deepEqual(run.last(web).tags, {
      environment: "production",
      service: "web",
      app: "shop",
      container: web,
      host_name: web.slice(0, 12),
    });
    assert.deepEqual([run.last(spinner).tags.environment, run.last(spinner).tags.service], [
      "fleet",
      "spinner",
    ]);
    assert.equal(run.of(unlabelled).length, 0);
    assert.match(collector.stderr, new RegExp(`${unlabelled}" skipped: .*no service`));

    // A rename rewrites config.v2.json (a new file renamed over the old) but no label: Docker fixes
    // labels at create. Past the collector's 10 s look at the file: the same tags, never dropped.
    const webTags = run.last(web).tags;
    await engine.docker("rename", web, "mini-collector-web-renamed");
    const renamed =
      JSON.parse(await Deno.readTextFile(containerConfigPath(engine.dataRoot, web))).Name;
    assert.equal(renamed, "/mini-collector-web-renamed");
    const pointsAtRename = run.of(web).length;
    await run.waitFor(
      () => run.of(web).length >= pointsAtRename + 12,
      "12 points of the renamed container",
      60_000,
    );
    assert.deepEqual(run.last(web).tags, webTags);
    assert.doesNotMatch(collector.stderr, new RegExp(`${web}.*(no longer has tags|skipped)`));

    // OOM kills: at least three (one per round), the collector's counter as the kernel's.
    const oomKills = await run.settledOomKills(oom, dockerCgroupPaths(oom), 3);

    // CPU under a 0.5 CPU quota and memory held: collector, docker stats, cgroup files.
    // The collector over the window of its points, docker stats over its own ~2 s sample: each
    // against the cgroup file read at the ends of its window.
    const cpuMilli = (from: { cpuUsageNs: bigint }, to: { cpuUsageNs: bigint }, ms: number) =>
      Number(to.cpuUsageNs - from.cpuUsageNs) / (ms * 1000);
    const before = await readCgroupFigures(exposed, dockerCgroupPaths(spinner));
    const started = performance.now();
    const spinnerStats = await engine.stats(spinner);
    const statsEnd = await readCgroupFigures(exposed, dockerCgroupPaths(spinner));
    const statsFileCpuMilli = cpuMilli(before, statsEnd, performance.now() - started);
    const ballastStats = await engine.stats(ballast);
    const windowStart = await readCgroupFigures(exposed, dockerCgroupPaths(spinner));
    const windowStarted = performance.now();
    const pointsInWindow = run.of(spinner).length;
    await run.waitFor(
      () => run.of(spinner).length >= pointsInWindow + 3,
      "three points of the spinner within the window",
    );
    const fileCpuMilli = cpuMilli(
      windowStart,
      await readCgroupFigures(exposed, dockerCgroupPaths(spinner)),
      performance.now() - windowStarted,
    );
    const collectorCpu = run.of(spinner).slice(pointsInWindow)
      .map((point) => point.metrics.milli_cpu_usage);
    const collectorCpuMilli = collectorCpu.reduce((a, b) => a + b) / collectorCpu.length;
    const ballastFiles = await readCgroupFigures(exposed, dockerCgroupPaths(ballast));
    const ballastPoint = run.last(ballast).metrics;
    compareFigures("docker stats", [
      {
        container: "spinner",
        figure: "CPU (milli)",
        collector: collectorCpuMilli,
        engine: spinnerStats.cpuPercent * 10,
        files: fileCpuMilli,
        engineFiles: statsFileCpuMilli,
        tolerance: CPU_TOLERANCE_MILLI,
      },
      {
        container: "ballast",
        figure: "memory working set (MiB)",
        collector: ballastPoint.memory_working_set_mb,
        engine: ballastStats.memoryMib,
        files: Number(ballastFiles.workingSetBytes) / MIB,
        tolerance: MEMORY_TOLERANCE_MIB,
      },
      {
        container: "ballast",
        figure: "memory usage (MiB)",
        collector: ballastPoint.memory_total_mb,
        files: Number(ballastFiles.memoryUsageBytes) / MIB,
        tolerance: MEMORY_TOLERANCE_MIB,
      },
      {
        container: "oom",
        figure: "OOM kills",
        collector: run.last(oom).metrics.memory_oom_kills,
        files: oomKills,
        tolerance: 0,
      },
    ]);
    assert.ok(collectorCpuMilli <= 500 + CPU_TOLERANCE_MILLI, "held under the quota");
    assert.equal(run.last(spinner).metrics.cpu_limit_milli, 500);
    assert.ok(ballastPoint.memory_working_set_mb >= 64, "the 64 MiB held in /dev/shm");

    // Pause: the cgroup stays (frozen), so the container reports running=1 and CPU 0.
    await engine.docker("pause", spinner);
    await run.morePoints(spinner, 3);
    const paused = run.of(spinner).slice(-2);
    assert.deepEqual(paused.map((point) => point.metrics.running), [1, 1]);
    assert.deepEqual(paused.map((point) => point.metrics.milli_cpu_usage), [0, 0]);
    await engine.docker("unpause", spinner);
    await run.waitFor(
      () => run.last(spinner).metrics.milli_cpu_usage > 0,
      "CPU again after unpause",
    );

    // Stop: exactly one running=0 point, then nothing until it starts again.
    await engine.docker("stop", "-t", "1", web);
    await run.waitFor(() => run.zeros(web) === 1, "web's running=0 point after stop");
    const afterStop = run.of(web).length;
    await run.morePoints(spinner, 2);
    assert.equal(run.of(web).length, afterStop, "no point of a stopped container");
    // Start: sampled again.
    await engine.docker("start", web);
    await run.waitFor(() => run.last(web).metrics.running === 1, "web running again after start");
    // Restart: the cgroup goes and comes back, perhaps within one poll: at most one running=0.
    await engine.docker("restart", "-t", "1", web);
    const afterRestart = run.of(web).length;
    await run.waitFor(
      () => run.of(web).length > afterRestart + 1 && run.last(web).metrics.running === 1,
      "web running after restart",
    );
    const restartZeros = run.zeros(web) - 1;
    console.log(
      `docker restart: ${restartZeros} running=0 point (the cgroup came back within a poll when 0)`,
    );
    assert.ok(restartZeros <= 1, `${restartZeros} running=0 points for one restart`);
    // Kill: exactly one more running=0.
    await engine.docker("kill", web);
    await run.waitFor(
      () => run.zeros(web) === 2 + restartZeros,
      "web's running=0 point after kill",
    );
    // rm: nothing more.
    await engine.docker("rm", web);
    const afterRm = run.of(web).length;
    await run.morePoints(spinner, 2);
    assert.equal(run.of(web).length, afterRm, "no point after rm");

    // Created during the run: sampled within a poll or so of its start.
    const late = await engine.docker(
      "create",
      "--network",
      "none",
      ...label("service", "late"),
      "mini-collector-busybox:test",
      "sleep",
      "3600",
    );
    await engine.docker("start", late);
    const startedAt = performance.now();
    await run.waitFor(() => run.of(late).length > 0, "the late container's first point", 10_000);
    const pickedUpMs = performance.now() - startedAt;
    console.log(
      `a container started during the run: first point after ${pickedUpMs.toFixed(0)} ms`,
    );
    assert.ok(pickedUpMs < 3 * POLL_MS, `picked up after ${pickedUpMs} ms`);
    assert.equal(run.last(late).tags.service, "late");

    assert.equal(await collector.stop("SIGTERM"), 0, collector.stderr.slice(-3000));
    assert.equal(collector.stderr.match(/" is gone: one last point/g)?.length, 2 + restartZeros);
  },
});
