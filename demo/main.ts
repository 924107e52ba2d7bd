/**
 * `deno task demo`: the whole pipeline on this machine, live. Starts the
 * aggregator (stdout sink, plus a Datadog sink into a local VictoriaMetrics
 * when the `victoria-metrics` binary is installed) and one collector polling
 * every second, both under their own declared permission sets, and shows the
 * aggregator's points as a table in the manner of `docker stats` (redrawn in
 * place on a terminal, one line per container per poll otherwise). The
 * aggregator's status page is on its metrics listener, whose address the demo
 * prints: open it in a browser to watch the same containers fill it.
 *
 * By default the collector runs in host mode over several real containers
 * made for the demo (host_scene.ts), and one of them is stopped and started
 * again every so often; `--sidecar` runs it in container mode for one
 * container instead (sidecar_scene.ts). Not root, both fall back to bundled
 * fixtures and say so. Ctrl-C (SIGINT), SIGTERM or SIGHUP (its terminal closed) stops the collector and
 * the aggregator gracefully, then removes the workloads, the mount, the
 * cgroups and the temporary files, and exits 0.
 *
 * @module
 */
import { AggregatorProcess, freePort } from "../tests/support/aggregator.ts";
import { CollectorProcess } from "../tests/support/collector_process.ts";
import { findBinary, type Receiver, startVictoriaMetrics } from "../tests/support/receivers.ts";
import { countPoints, victoriaMetricsPoints } from "../tests/support/stored_points.ts";
import { hostScene } from "./host_scene.ts";
import type { Churn } from "./scene.ts";
import { sidecarScene } from "./sidecar_scene.ts";
import { pointRow, redraw, StatsTable } from "./stats_table.ts";
import { deadline } from "../shared/async/mod.ts";

const TICK_MS = 200;
/** Every 10 s. */
const STORED_EVERY_TICKS = 50;
/** The churned container stops this long into each cycle, and starts again later. */
const CHURN_STOP_S = 8;
const CHURN_START_S = 14;
const CHURN_CYCLE_S = 30;
/** Events shown under the table on a terminal. */
const EVENTS_SHOWN = 4;

const USAGE = "usage: deno task demo [--sidecar]";
const unknown = Deno.args.filter((arg) => arg !== "--sidecar");
if (unknown.length) {
  console.error(`demo: unknown argument ${unknown.join(" ")}\n${USAGE}`);
  Deno.exit(2);
}
const sidecar = Deno.args.includes("--sidecar");
const terminal = Deno.stdout.isTerminal();

const cleanups: (() => Promise<unknown>)[] = [];
const stopping = Promise.withResolvers<string>();
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.addSignalListener(signal, () => stopping.resolve(signal));
}

function say(text: string): void {
  console.log(`demo: ${text}`);
}

/** The table and the demo's events: redrawn together on a terminal, printed as they come otherwise. */
class View {
  readonly table = new StatsTable();
  readonly #events: string[] = [];
  #drawnLines = 0;
  #changed = false;

  /** Takes one aggregator stdout line. */
  point(line: string): void {
    const point = this.table.add(line);
    if (terminal) this.#changed = true;
    else console.log(pointRow(point));
  }

  event(text: string): void {
    const stamped = `${new Date().toISOString().slice(11, 19)}  ${text}`;
    if (!terminal) return say(text);
    this.#events.push(stamped);
    this.#changed = true;
  }

  draw(): void {
    if (!this.#changed) return;
    this.#changed = false;
    const lines = [...this.table.frame(), "", ...this.#events.slice(-EVENTS_SHOWN)];
    console.log(redraw(this.#drawnLines, lines));
    this.#drawnLines = lines.length;
  }
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

/** Stops or starts the churned container when its cycle says so. */
async function churnStep(churn: Churn, elapsedS: number, view: View, state: { down: boolean }) {
  const inCycle = elapsedS % CHURN_CYCLE_S;
  const wantDown = inCycle >= CHURN_STOP_S && inCycle < CHURN_START_S;
  if (wantDown === state.down) return;
  state.down = wantDown;
  if (wantDown) {
    await churn.stop();
    view.event(`stopped ${churn.name}: workload killed, cgroup removed`);
  } else {
    await churn.start();
    view.event(`started ${churn.name} again: same id, new cgroup and workload`);
  }
}

async function run(): Promise<void> {
  const scratch = await Deno.makeTempDir({ prefix: "mini-collector-demo-" });
  cleanups.push(() => Deno.remove(scratch, { recursive: true }));
  const receiver = await victoriaMetrics();
  const statusAddress = `127.0.0.1:${freePort()}`;
  const aggregator = await AggregatorProcess.start({
    env: {
      AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY: "1s",
      AGGREGATOR_METRICS_LISTEN_ADDRESS: statusAddress,
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
  say(`status page: http://${statusAddress}/ (live; /api/status as JSON, /metrics)`);
  const scene = await (sidecar ? sidecarScene(scratch) : hostScene(scratch));
  cleanups.push(() => scene.remove());
  for (const line of scene.description) say(line);
  const collector = new CollectorProcess({
    MINI_COLLECTOR_REMOTE_ADDRESS: `127.0.0.1:${aggregator.port}`,
    ...scene.collectorEnv,
  });
  cleanups.push(async () => {
    const code = await collector.stop("SIGTERM");
    if (code !== 0) console.error(collector.stderr);
  });
  say(
    `collector polling every second (Ctrl-C to stop)` +
      (scene.churn
        ? `; ${scene.churn.name} stops ${CHURN_STOP_S} s into every ${CHURN_CYCLE_S} s and ` +
          `starts again at ${CHURN_START_S} s`
        : ""),
  );
  const view = new View();
  const churned = { down: false };
  const startedAt = performance.now();
  let shown = 0;
  let signal: string | undefined;
  stopping.promise.then((name) => signal = name);
  for (let tick = 1; signal === undefined; tick++) {
    for (; shown < aggregator.lines.length; shown++) view.point(aggregator.lines[shown]);
    if (scene.churn) {
      await churnStep(scene.churn, (performance.now() - startedAt) / 1000, view, churned);
    }
    if (receiver && tick % STORED_EVERY_TICKS === 0) await reportStored(receiver, view);
    view.draw();
    await deadline(stopping.promise, TICK_MS, () => {});
  }
  say(`${signal}: stopping`);
}

/** How many samples VictoriaMetrics holds; quiet when it is already gone (Ctrl-C reaches it too). */
async function reportStored(receiver: Receiver, view: View): Promise<void> {
  try {
    const stored = countPoints(await victoriaMetricsPoints(receiver.url));
    view.event(`VictoriaMetrics holds ${stored} points`);
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
