/**
 * `--check`, like `telegraf --test`: reads each source twice, one poll interval
 * apart so CPU and I/O show real rates (its own container, or in host mode
 * every container listed, with the reason for each one skipped), prints the
 * second reading as the aggregator would store it — tags and
 * metrics as JSON, or the aggregator's reason for refusing it — then asks
 * each configured aggregator for a PublishBatch of zero points: answered →
 * "PublishBatch supported"; `unimplemented` → "Publish only (Go aggregator)";
 * anything else → unreachable. Nothing is published. True when every sample
 * would be stored and every aggregator answered.
 *
 * @module
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { batchPointFrom } from "../shared/point/mod.ts";
import type { CollectorConfig } from "./config/mod.ts";
import { PublishBatchRequestSchema, type PublishRequest } from "../shared/gen/aggregator_pb.ts";
import { delay } from "../shared/async/mod.ts";
import { formatDuration } from "../shared/duration.ts";
import { plural } from "../shared/plural.ts";
import { HostContainers } from "./host/containers.ts";
import { selectRuntime } from "./host/select.ts";
import { containerSource, type PointSource } from "./source.ts";
import { connectAggregator } from "./transport.ts";

export async function checkCollector(
  config: CollectorConfig,
  print: (line: string) => void,
): Promise<boolean> {
  let failed = 0;
  const sources = await listSources(config, print);
  if (sources.length === 0) {
    print("FAIL sample: no container to sample");
    failed++;
  }
  // The probes run while the readings wait for each other.
  const probes = config.remoteAddresses.map((remoteAddress) =>
    probeAggregator(config, remoteAddress)
  );
  const points = await readTwice(config, sources, print);
  for (const [index, source] of sources.entries()) {
    const point = points[index];
    try {
      const stored = batchPointFrom(source.tags, point, Date.now());
      print(`OK   sample of ${source.tags.container}${point.running ? "" : " (running=0)"}:`);
      print(JSON.stringify(stored, null, 2));
    } catch (error) {
      failed++;
      print(`FAIL sample of ${source.tags.container}: the aggregator would refuse it: ${error}`);
    }
  }
  for (const probe of probes) {
    const { ok, message } = await probe;
    if (!ok) failed++;
    print(`${ok ? "OK  " : "FAIL"} ${message}`);
  }
  print(failed === 0 ? "check passed" : `check failed: ${plural(failed, "problem")}`);
  return failed === 0;
}

/**
 * Each source's second reading, taken one poll interval after the first: CPU
 * and I/O figures are rates between two readings, so a first reading alone
 * says 0 for them (as the first point a collector sends does).
 */
async function readTwice(
  config: CollectorConfig,
  sources: readonly PointSource[],
  print: (line: string) => void,
): Promise<PublishRequest[]> {
  const read = () => {
    const time = { wallMs: Date.now(), monotonicMs: performance.now() };
    return Promise.all(sources.map((source) => source.sampler.sample(time)));
  };
  if (sources.length === 0) return [];
  await read();
  print(
    `reading again in ${formatDuration(config.pollIntervalMs)} (MINI_COLLECTOR_POLL_INTERVAL): ` +
      "CPU and I/O are rates between two readings",
  );
  await delay(config.pollIntervalMs);
  return await read();
}

async function listSources(
  config: CollectorConfig,
  print: (line: string) => void,
): Promise<readonly PointSource[]> {
  if (config.mode !== "host") return [containerSource(config)];
  const runtime = await selectRuntime(config);
  if ("problem" in runtime) {
    print(`FAIL runtime: ${runtime.problem}`);
    return [];
  }
  const containers = new HostContainers({
    cgroupRoot: config.cgroupRoot,
    runtime,
    logSkips: false,
  });
  const sources = await containers.sources();
  const { skipped, unknown } = containers;
  print(
    `host mode (${runtime.name}): sampled ${sources.length}, skipped ${skipped.size}, ` +
      `container cgroups unknown to ${runtime.name} ${unknown.size}`,
  );
  for (const [containerId, reason] of skipped) print(`SKIP ${containerId}: ${reason}`);
  const [example] = unknown;
  if (example) print(`NOTE unknown cgroups are not sampled; e.g. ${example[0]}: ${example[1]}`);
  return sources;
}

async function probeAggregator(
  config: CollectorConfig,
  remoteAddress: CollectorConfig["remoteAddresses"][number],
): Promise<{ ok: boolean; message: string }> {
  const connection = connectAggregator({ ...config, remoteAddress });
  const where = `aggregator ${connection.baseUrl} (${config.protocol}, mutual TLS ${
    config.tls ? "on" : "off"
  })`;
  try {
    await connection.client.publishBatch(create(PublishBatchRequestSchema, { points: [] }), {
      timeoutMs: config.publishTimeoutMs,
    });
    return { ok: true, message: `${where}: PublishBatch supported` };
  } catch (error) {
    const failure = ConnectError.from(error);
    if (failure.code === Code.Unimplemented) {
      return { ok: true, message: `${where}: Publish only (Go aggregator)` };
    }
    return { ok: false, message: `${where}: no answer: ${failure.message}` };
  } finally {
    connection.close();
  }
}
