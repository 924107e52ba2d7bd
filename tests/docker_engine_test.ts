/**
 * Per-host mode against a real Docker Engine (tests/support/docker_engine.ts):
 * the real collector (collector/main.ts under its declared flags,
 * MINI_COLLECTOR_HOST_RUNTIME=docker) reads the engine's data root and the
 * host's cgroup filesystem (exposed read-only, as in production) and
 * publishes to the real aggregator. Checked: tags from labels; stop, start,
 * restart, kill, rm, a container created during the run, pause; an
 * OOM-killed process's counter; CPU under a quota and memory held against
 * `docker stats` and the cgroup files. Needs root, dockerd and busybox-static;
 * skipped with the reason otherwise (failed where MINI_COLLECTOR_TEST_ENGINES=required).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dockerCgroupPaths } from "../collector/host/docker_layout.ts";
import { AggregatorProcess } from "./support/aggregator.ts";
import { CollectorProcess } from "./support/collector_process.ts";
import { DockerEngine, dockerUnavailable } from "./support/docker_engine.ts";
import { skipEngineTest } from "./support/engine_availability.ts";
import { readCgroupFigures } from "./support/host_cgroup_files.ts";
import { sh } from "./support/live_cgroup.ts";
import { textTable } from "./support/text_table.ts";

const EXPOSE = fileURLToPath(new URL("../collector/expose-cgroup.sh", import.meta.url));
const POLL_MS = 1000;
const MIB = 1024 * 1024;
/** CPU: the three figures measure different windows of a spinning process, so within 20 % of its quota. */
const CPU_TOLERANCE_MILLI = 100;
/** Memory held in tmpfs is stable; page-cache noise and MiB rounding: 2 MiB. */
const MEMORY_TOLERANCE_MIB = 2;

interface StdoutPoint {
  unix_time: number;
  tags: Record<string, string>;
  metrics: Record<string, number>;
}

const ignore = skipEngineTest("Docker Engine", await dockerUnavailable());

Deno.test({
  name:
    "host mode on a real Docker Engine: tags, lifecycle, pause, OOM kills, CPU and memory against docker stats and the cgroup files",
  ignore,
  async fn() {
    await using engine = await DockerEngine.start();
    const scratch = await Deno.makeTempDir({ prefix: "mini-collector-docker-test-" });
    const exposed = `${scratch}/cgroup`;
    let aggregator: AggregatorProcess | undefined;
    let collector: CollectorProcess | undefined;
    try {
      await sh(`sh "$1" "$2" 2>/dev/null`, EXPOSE, exposed);
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
        "while :; do :; done",
      );
      const ballast = await engine.run(
        ["--shm-size", "96m", ...label("service", "ballast")],
        "dd if=/dev/zero of=/dev/shm/ballast bs=1M count=64 2>/dev/null; exec sleep 3600",
      );
      const oom = await engine.run(
        ["--memory", "32m", "--memory-swap", "32m", ...label("service", "oom")],
        "for i in 1 2 3; do head -c 200m /dev/zero | tail; done; exec sleep 3600",
      );
      const unlabelled = await engine.run([], "exec sleep 3600");

      aggregator = await AggregatorProcess.start();
      collector = new CollectorProcess({
        MINI_COLLECTOR_MODE: "host",
        MINI_COLLECTOR_HOST_RUNTIME: "docker",
        MINI_COLLECTOR_REMOTE_ADDRESS: aggregator.address,
        MINI_COLLECTOR_CGROUP_PATH: exposed,
        MINI_COLLECTOR_DOCKER_ROOT: engine.dataRoot,
        MINI_COLLECTOR_ENVIRONMENT_NAME: "fleet",
        MINI_COLLECTOR_POLL_INTERVAL: `${POLL_MS}ms`,
      });
      const points = () => aggregator!.points() as unknown as StdoutPoint[];
      const of = (id: string) => points().filter((point) => point.tags.container === id);
      const last = (id: string) => of(id).at(-1)!;
      const zeros = (id: string) => of(id).filter((point) => point.metrics.running === 0).length;
      const waitFor = (predicate: () => boolean, what: string, ms = 20_000) =>
        aggregator!.waitFor(predicate, ms, what);
      /** Waits for `count` more points of `id` than it has now. */
      const morePoints = async (id: string, count: number) => {
        const now = of(id).length;
        await waitFor(() => of(id).length >= now + count, `${count} more points of ${id}`);
      };

      // Tags from labels; the default environment for containers without the label; the unlabelled one skipped.
      await waitFor(
        () => [web, spinner, ballast, oom].every((id) => of(id).length >= 3),
        "three points of each labelled container",
      );
      assert.deepEqual(last(web).tags, {
        environment: "production",
        service: "web",
        app: "shop",
        container: web,
        host_name: web.slice(0, 12),
      });
      assert.deepEqual([last(spinner).tags.environment, last(spinner).tags.service], [
        "fleet",
        "spinner",
      ]);
      assert.equal(of(unlabelled).length, 0);
      assert.match(collector.stderr, new RegExp(`${unlabelled}" skipped: .*no service`));

      // OOM kills: three, in the collector's counter and the kernel's.
      await waitFor(() => last(oom).metrics.memory_oom_kills === 3, "three OOM kills counted");
      const oomFiles = await readCgroupFigures(exposed, dockerCgroupPaths(oom));
      assert.equal(oomFiles.oomKills, 3n);

      // CPU under a 0.5 CPU quota and memory held: collector, docker stats, cgroup files.
      const before = await readCgroupFigures(exposed, dockerCgroupPaths(spinner));
      const started = performance.now();
      const [spinnerStats, ballastStats] = [
        await engine.stats(spinner),
        await engine.stats(ballast),
      ];
      const after = await readCgroupFigures(exposed, dockerCgroupPaths(spinner));
      const fileCpuMilli = Number(after.cpuUsageNs - before.cpuUsageNs) /
        ((performance.now() - started) * 1000);
      await morePoints(spinner, 2);
      const collectorCpu = of(spinner).slice(-3).map((point) => point.metrics.milli_cpu_usage);
      const collectorCpuMilli = collectorCpu.reduce((a, b) => a + b) / collectorCpu.length;
      const ballastFiles = await readCgroupFigures(exposed, dockerCgroupPaths(ballast));
      const ballastPoint = last(ballast).metrics;
      const rows = [
        ["spinner", "CPU (milli)", collectorCpuMilli, spinnerStats.cpuPercent * 10, fileCpuMilli],
        [
          "ballast",
          "memory working set (MiB)",
          ballastPoint.memory_working_set_mb,
          ballastStats.memoryMib,
          Number(ballastFiles.workingSetBytes) / MIB,
        ],
        [
          "ballast",
          "memory usage (MiB)",
          ballastPoint.memory_total_mb,
          undefined,
          Number(ballastFiles.memoryUsageBytes) / MIB,
        ],
        [
          "oom",
          "OOM kills",
          last(oom).metrics.memory_oom_kills,
          undefined,
          Number(oomFiles.oomKills),
        ],
      ] as const;
      console.log(
        textTable(
          ["container", "figure", "collector", "docker stats", "cgroup files"],
          rows.map(([name, figure, ...values]) => [
            name,
            figure,
            ...values.map((value) => value === undefined ? "-" : value.toFixed(1)),
          ]),
        ),
      );
      for (const engineFigure of [spinnerStats.cpuPercent * 10, fileCpuMilli]) {
        assert.ok(
          Math.abs(collectorCpuMilli - engineFigure) <= CPU_TOLERANCE_MILLI,
          `CPU ${collectorCpuMilli} vs ${engineFigure}`,
        );
      }
      assert.ok(collectorCpuMilli <= 500 + CPU_TOLERANCE_MILLI, "held under the quota");
      assert.equal(last(spinner).metrics.cpu_limit_milli, 500);
      assert.ok(ballastPoint.memory_working_set_mb >= 64, "the 64 MiB held in /dev/shm");
      for (
        const [figure, reference] of [
          [ballastPoint.memory_working_set_mb, ballastStats.memoryMib],
          [ballastPoint.memory_working_set_mb, Number(ballastFiles.workingSetBytes) / MIB],
          [ballastPoint.memory_total_mb, Number(ballastFiles.memoryUsageBytes) / MIB],
        ]
      ) {
        assert.ok(
          Math.abs(figure - reference) <= MEMORY_TOLERANCE_MIB,
          `${figure} vs ${reference}`,
        );
      }

      // Pause: the cgroup stays (frozen), so the container reports running=1 and CPU 0.
      await engine.docker("pause", spinner);
      await morePoints(spinner, 3);
      const paused = of(spinner).slice(-2);
      assert.deepEqual(paused.map((point) => point.metrics.running), [1, 1]);
      assert.deepEqual(paused.map((point) => point.metrics.milli_cpu_usage), [0, 0]);
      await engine.docker("unpause", spinner);
      await waitFor(() => last(spinner).metrics.milli_cpu_usage > 0, "CPU again after unpause");

      // Stop: exactly one running=0 point, then nothing until it starts again.
      await engine.docker("stop", "-t", "1", web);
      await waitFor(() => zeros(web) === 1, "web's running=0 point after stop");
      const afterStop = of(web).length;
      await morePoints(spinner, 2);
      assert.equal(of(web).length, afterStop, "no point of a stopped container");
      // Start: sampled again.
      await engine.docker("start", web);
      await waitFor(() => last(web).metrics.running === 1, "web running again after start");
      // Restart: the cgroup goes and comes back, perhaps within one poll: at most one running=0.
      await engine.docker("restart", "-t", "1", web);
      const afterRestart = of(web).length;
      await waitFor(
        () => of(web).length > afterRestart + 1 && last(web).metrics.running === 1,
        "web running after restart",
      );
      const restartZeros = zeros(web) - 1;
      console.log(
        `docker restart: ${restartZeros} running=0 point (the cgroup came back within a poll when 0)`,
      );
      assert.ok(restartZeros <= 1, `${restartZeros} running=0 points for one restart`);
      // Kill: exactly one more running=0.
      await engine.docker("kill", web);
      await waitFor(() => zeros(web) === 2 + restartZeros, "web's running=0 point after kill");
      // rm: nothing more.
      await engine.docker("rm", web);
      const afterRm = of(web).length;
      await morePoints(spinner, 2);
      assert.equal(of(web).length, afterRm, "no point after rm");

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
      await waitFor(() => of(late).length > 0, "the late container's first point", 10_000);
      const pickedUpMs = performance.now() - startedAt;
      console.log(
        `a container started during the run: first point after ${pickedUpMs.toFixed(0)} ms`,
      );
      assert.ok(pickedUpMs < 3 * POLL_MS, `picked up after ${pickedUpMs} ms`);
      assert.equal(last(late).tags.service, "late");

      assert.equal(await collector.stop("SIGTERM"), 0, collector.stderr.slice(-3000));
      assert.equal(collector.stderr.match(/" is gone: one last point/g)?.length, 2 + restartZeros);
    } finally {
      await collector?.stop("SIGKILL").catch(() => {});
      await aggregator?.close();
      await sh(`mountpoint -q "$1" || exit 0; mount --make-rprivate "$1"; umount -R "$1"`, exposed);
      await Deno.remove(scratch, { recursive: true });
    }
  },
});
