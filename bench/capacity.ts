/**
 * Capacity arithmetic from this project's own benchmark figures
 * (`.bench/results.json`, written by `deno task bench ingest`): for a fleet
 * of `hosts` × `containers` polled every `poll` seconds, how many aggregators
 * per-host mode (one PublishBatch per host per poll) and sidecar mode (one
 * Publish per container per poll) need, how much spool disk an outage of the
 * destination takes, how long collectors' queues bridge an outage of every
 * aggregator, and how many Datadog series requests the fleet makes.
 *
 * The aggregator's CPU per call is modelled as a fixed cost per call plus a
 * cost per point, solved from the two measured workloads (Publish: one point
 * per call; PublishBatch: `batchPoints` per call). An aggregator is one
 * JavaScript thread, so it is counted as one core.
 *
 *   deno run --allow-read bench/capacity.ts --hosts=10000 --containers=50 --poll=30
 *
 * @module
 */

/** The ingest figures the plan rests on (server CPU per point, medians). */
export interface IngestFigures {
  /** µs of aggregator CPU per point with one point per call (Publish). */
  publishUsPerPoint: number;
  /** µs of aggregator CPU per point with `batchPoints` per call (PublishBatch). */
  batchUsPerPoint: number;
  batchPoints: number;
}

export interface Fleet {
  hosts: number;
  containersPerHost: number;
  pollSeconds: number;
  /** Share of a core an aggregator may use in normal running (0–1]. */
  utilisation: number;
  /** Aggregators beyond the computed count, so one can fail or drain. */
  spares: number;
  /** Spool bytes per point on disk (tags and metrics JSON plus row overhead). */
  spoolBytesPerPoint: number;
  /** Destination outage to bridge, seconds. */
  outageSeconds: number;
  /** Collector queue sizes (points): per sidecar and per host collector. */
  sidecarQueue: number;
  hostQueue: number;
  /** The aggregator's spool cap (AGGREGATOR_SPOOL_MAX_BYTES). */
  spoolCapBytes: number;
}

export interface ModePlan {
  mode: "host" | "sidecar";
  pointsPerSecond: number;
  callsPerSecond: number;
  pointsPerCall: number;
  cpuUsPerPoint: number;
  /** Aggregator cores busy at 100 %. */
  busyCores: number;
  aggregators: number;
  /** Spool for the destination outage, over the fleet and per aggregator. */
  spoolBytes: number;
  spoolBytesPerAggregator: number;
  /** How long a collector's queue holds its points when no aggregator answers. */
  queueBridgesSeconds: number;
}

/**
 * The gRPC figures at the highest concurrency measured: a fleet keeps many
 * calls in flight on every aggregator.
 */
export function ingestFigures(results: unknown): IngestFigures {
  const ingest = (results as { ingest?: IngestJson }).ingest;
  if (!ingest?.grpc?.levels?.length || !ingest.batch?.grpc?.levels?.length) {
    throw new Error(
      "results.json has no ingest section with Publish and PublishBatch levels: run " +
        "`deno task bench ingest` first",
    );
  }
  const busiest = (levels: IngestLevelJson[]) =>
    levels.toSorted((a, b) => b.concurrentCalls - a.concurrentCalls)[0].serverCpuUsPerPoint.median;
  const batchPoints = Number(ingest.batch.body.match(/of (\d+) such points/)?.[1]);
  if (!Number.isInteger(batchPoints)) {
    throw new Error(`results.json ingest.batch.body does not say the points per call`);
  }
  return {
    publishUsPerPoint: busiest(ingest.grpc.levels),
    batchUsPerPoint: busiest(ingest.batch.grpc.levels),
    batchPoints,
  };
}

interface IngestLevelJson {
  concurrentCalls: number;
  serverCpuUsPerPoint: { median: number };
}
interface IngestJson {
  grpc: { levels: IngestLevelJson[] };
  batch: { body: string; grpc: { levels: IngestLevelJson[] } };
}

/** The per-call and per-point CPU cost (µs) that fit both measured workloads. */
export function callCost(figures: IngestFigures): { perCallUs: number; perPointUs: number } {
  const batchCallUs = figures.batchUsPerPoint * figures.batchPoints;
  const perPointUs = (batchCallUs - figures.publishUsPerPoint) / (figures.batchPoints - 1);
  return { perCallUs: figures.publishUsPerPoint - perPointUs, perPointUs };
}

/** µs of aggregator CPU per point when each call carries `points`. */
export function usPerPoint(figures: IngestFigures, points: number): number {
  const { perCallUs, perPointUs } = callCost(figures);
  return perCallUs / points + perPointUs;
}

export function plan(fleet: Fleet, figures: IngestFigures, mode: "host" | "sidecar"): ModePlan {
  const containers = fleet.hosts * fleet.containersPerHost;
  const pointsPerSecond = containers / fleet.pollSeconds;
  const pointsPerCall = mode === "host" ? fleet.containersPerHost : 1;
  const cpuUsPerPoint = usPerPoint(figures, pointsPerCall);
  const busyCores = pointsPerSecond * cpuUsPerPoint / 1e6;
  const aggregators = Math.ceil(busyCores / fleet.utilisation) + fleet.spares;
  const spoolBytes = pointsPerSecond * fleet.outageSeconds * fleet.spoolBytesPerPoint;
  const queuedPolls = mode === "host"
    ? Math.floor(fleet.hostQueue / fleet.containersPerHost)
    : fleet.sidecarQueue;
  return {
    mode,
    pointsPerSecond,
    callsPerSecond: pointsPerSecond / pointsPerCall,
    pointsPerCall,
    cpuUsPerPoint,
    busyCores,
    aggregators,
    spoolBytes,
    // Spares take no share in normal running, but the outage may find one of them active.
    spoolBytesPerAggregator: spoolBytes / (aggregators - fleet.spares),
    queueBridgesSeconds: queuedPolls * fleet.pollSeconds,
  };
}

/** Datadog series API limits (docs.datadoghq.com/api/latest/metrics, "Submit metrics"). */
export const DATADOG_LIMITS = {
  v2: { compressedBytes: 512_000, rawBytes: 5_242_880 },
  v1: { compressedBytes: 3_200_000, rawBytes: 62_914_560 },
} as const;

/** Points per request and requests per second, given bytes per point on the wire and raw. */
export function datadogRequests(
  pointsPerSecond: number,
  limits: { compressedBytes: number; rawBytes: number },
  wireBytesPerPoint: number,
  rawBytesPerPoint: number,
): { pointsPerRequest: number; requestsPerSecond: number } {
  const pointsPerRequest = Math.floor(
    Math.min(limits.compressedBytes / wireBytesPerPoint, limits.rawBytes / rawBytesPerPoint),
  );
  return { pointsPerRequest, requestsPerSecond: pointsPerSecond / pointsPerRequest };
}

/** `--name=value` arguments as numbers, over the defaults. */
function parseArgs(args: string[]): Record<string, string> {
  const parsed: Record<string, string> = {};
  for (const arg of args) {
    const match = arg.match(/^--([a-z-]+)=(.+)$/);
    if (!match) throw new Error(`capacity.ts: expected --name=value, got ${JSON.stringify(arg)}`);
    parsed[match[1]] = match[2];
  }
  return parsed;
}

function numberArg(args: Record<string, string>, name: string, fallback: number): number {
  const value = Number(args[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`capacity.ts: --${name} must be a non-negative number, not ${args[name]}`);
  }
  return value;
}

async function main(): Promise<void> {
  const args = parseArgs(Deno.args);
  const resultsPath = args.results ?? ".bench/results.json";
  const figures = ingestFigures(JSON.parse(await Deno.readTextFile(resultsPath)));
  const fleet: Fleet = {
    hosts: numberArg(args, "hosts", 10_000),
    containersPerHost: numberArg(args, "containers", 50),
    pollSeconds: numberArg(args, "poll", 30),
    utilisation: numberArg(args, "utilisation", 0.5),
    spares: numberArg(args, "spares", 1),
    spoolBytesPerPoint: numberArg(args, "spool-bytes-per-point", 870),
    outageSeconds: numberArg(args, "outage", 3_600),
    sidecarQueue: numberArg(args, "sidecar-queue", 10),
    hostQueue: numberArg(args, "host-queue", 10_000),
    spoolCapBytes: numberArg(args, "spool-cap", 2 ** 30),
  };
  const plans = (["host", "sidecar"] as const).map((mode) => plan(fleet, figures, mode));
  const pointsPerSecond = plans[0].pointsPerSecond;
  const datadog = {
    v2: datadogRequests(
      pointsPerSecond,
      DATADOG_LIMITS.v2,
      numberArg(args, "dd-v2-wire", 132.3),
      numberArg(args, "dd-v2-raw", 1271.9),
    ),
    v1: datadogRequests(
      pointsPerSecond,
      DATADOG_LIMITS.v1,
      numberArg(args, "dd-v1-wire", 115.7),
      numberArg(args, "dd-v1-raw", 741.9),
    ),
  };
  const metricsPerPoint = numberArg(args, "metrics-per-point", 25);
  console.log(JSON.stringify(
    {
      results: resultsPath,
      figures,
      callCost: callCost(figures),
      fleet,
      plans,
      outageSpoolFitsCap: plans.map((p) => p.spoolBytesPerAggregator <= fleet.spoolCapBytes),
      samplesPerSecond: pointsPerSecond * metricsPerPoint,
      series: fleet.hosts * fleet.containersPerHost * metricsPerPoint,
      datadog,
    },
    null,
    2,
  ));
}

if (import.meta.main) await main();
