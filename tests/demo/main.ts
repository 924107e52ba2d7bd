/**
 * `deno task demo`: the whole pipeline on this machine, live. Starts the
 * aggregator (stdout sink, plus a Datadog sink into a local VictoriaMetrics
 * when the `victoria-metrics` binary is installed) and a collector polling
 * every second, both under their own declared permission sets. As root the
 * collector watches a real cgroup made for the demo, with a small workload in
 * it, through a read-only bind mount; otherwise it watches a bundled cgroup
 * fixture and the demo prints what to run as root. Each point the aggregator
 * emits is shown as one line. Ctrl-C (SIGINT) or SIGTERM stops the collector
 * and the aggregator gracefully, then removes the workload, the mount, the
 * cgroups and the temporary files, and exits 0.
 */
import { COLLECTOR_CGROUP_MOUNT } from "../../shared/config/mod.ts";
import { AggregatorProcess } from "../support/aggregator.ts";
import { advanceTo, copyFixture } from "../support/cgroup_fixture_copy.ts";
import { readCapture } from "../support/cgroup_fixtures.ts";
import { CollectorProcess } from "../support/collector_process.ts";
import { createLiveCgroup, type LiveCgroup, liveCgroupLayout } from "../support/live_cgroup.ts";
import { findBinary, type Receiver, startVictoriaMetrics } from "../support/receivers.ts";
import { countPoints, victoriaMetricsPoints } from "../support/stored_points.ts";
import { pointLine } from "./point_line.ts";

const FIXTURE = "v1-cgroupfs";
const TICK_MS = 200;
/** Every 10 s. */
const STORED_EVERY_TICKS = 50;
const cleanups: (() => Promise<unknown>)[] = [];
const stopping = Promise.withResolvers<string>();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => stopping.resolve(signal));
}

function say(text: string): void {
  console.log(`demo: ${text}`);
}

/** The cgroup the collector watches: a live one as root, else a copy of a bundled fixture. */
async function watchedCgroup(scratch: string): Promise<{ root: string; containerId: string }> {
  const layout = await liveCgroupLayout();
  if (typeof layout === "string") {
    const cgroup: LiveCgroup = await createLiveCgroup({
      memoryLimitMb: 128,
      pidsMax: 32,
      cpuLimitMilli: 500,
      ballastMb: 32,
      scratch,
    });
    cleanups.push(() => cgroup.remove());
    say(
      `watching a real cgroup (${cgroup.layout}) docker/${cgroup.containerId.slice(0, 12)}… ` +
        `with a workload in it (32 MiB held, spinning under a 0.5 CPU quota, fsync writes); ` +
        `cgroup filesystem exposed read-only at ${cgroup.exposed}`,
    );
    return { root: cgroup.exposed, containerId: cgroup.containerId };
  }
  const capture = await readCapture(FIXTURE);
  const root = await copyFixture(FIXTURE, "t0");
  cleanups.push(() => Deno.remove(root, { recursive: true }));
  say(
    `cannot watch a live cgroup: ${layout.reason}. Watching the bundled fixture ${FIXTURE} instead.`,
  );
  say("to watch a real container on this host, as root:");
  console.log(`    sudo collector/expose-cgroup.sh ${COLLECTOR_CGROUP_MOUNT}`);
  console.log(
    `    MINI_COLLECTOR_CGROUP_PATH=${COLLECTOR_CGROUP_MOUNT} MINI_COLLECTOR_CONTAINER_ID=<64-hex id> \\\n` +
      `    MINI_COLLECTOR_REMOTE_ADDRESS=127.0.0.1:8000 MINI_COLLECTOR_ENVIRONMENT_NAME=demo \\\n` +
      `    MINI_COLLECTOR_SERVICE_NAME=web MINI_COLLECTOR_POLL_INTERVAL=1s deno task collect`,
  );
  // The fixture's second snapshot a few seconds in, so rates move once.
  const timer = setTimeout(() => advanceTo(root, FIXTURE, "t1"), 3_000);
  cleanups.push(() => Promise.resolve(clearTimeout(timer)));
  return { root, containerId: capture.containerId };
}

async function victoriaMetrics(): Promise<Receiver | undefined> {
  if (!findBinary("victoria-metrics")) {
    say("victoria-metrics not installed (apt-get install victoria-metrics): stdout sink only");
    return undefined;
  }
  const receiver = await startVictoriaMetrics();
  cleanups.push(() => receiver.stop());
  return receiver;
}

async function run(): Promise<void> {
  const scratch = await Deno.makeTempDir({ prefix: "mini-collector-demo-" });
  cleanups.push(() => Deno.remove(scratch, { recursive: true }));
  const receiver = await victoriaMetrics();
  const aggregator = await AggregatorProcess.start({
    env: {
      AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY: "1s",
      ...(receiver && {
        AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
          api_key: "demo",
          series_url: new URL("/datadog/api/v1/series", receiver.url).href,
        }),
      }),
    },
  });
  cleanups.push(() => aggregator.close());
  say(
    `aggregator on ${aggregator.baseUrl} → stdout` +
      (receiver ? ` and VictoriaMetrics ${receiver.url.href} (Datadog v1 series)` : ""),
  );
  const { root, containerId } = await watchedCgroup(scratch);
  const collector = new CollectorProcess({
    MINI_COLLECTOR_REMOTE_ADDRESS: `127.0.0.1:${aggregator.port}`,
    MINI_COLLECTOR_CONTAINER_ID: containerId,
    MINI_COLLECTOR_ENVIRONMENT_NAME: "demo",
    MINI_COLLECTOR_SERVICE_NAME: "web",
    MINI_COLLECTOR_CGROUP_PATH: root,
    MINI_COLLECTOR_MOUNT_PATH: scratch,
    MINI_COLLECTOR_POLL_INTERVAL: "1s",
  });
  cleanups.push(async () => {
    const code = await collector.stop("SIGTERM");
    if (code !== 0) console.error(collector.stderr);
  });
  say("collector polling every second; one line per point (Ctrl-C to stop):");
  let shown = 0;
  let signal: string | undefined;
  stopping.promise.then((name) => signal = name);
  for (let tick = 1; signal === undefined; tick++) {
    for (; shown < aggregator.lines.length; shown++) {
      console.log(pointLine(aggregator.lines[shown]));
    }
    if (receiver && tick % STORED_EVERY_TICKS === 0) await reportStored(receiver);
    await Promise.race([stopping.promise, new Promise((resolve) => setTimeout(resolve, TICK_MS))]);
  }
  say(`${signal}: stopping`);
}

/** How many samples VictoriaMetrics holds; quiet when it is already gone (Ctrl-C reaches it too). */
async function reportStored(receiver: Receiver): Promise<void> {
  try {
    const stored = countPoints(await victoriaMetricsPoints(receiver.url));
    say(`VictoriaMetrics holds ${stored} points`);
  } catch {
    // stopping
  }
}

let code = 0;
try {
  await run();
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : error}`);
  code = 1;
} finally {
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch((error) => console.error(`cleanup: ${error}`));
  }
}
say("stopped; nothing left behind");
Deno.exit(code);
