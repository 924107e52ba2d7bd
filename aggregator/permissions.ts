/**
 * The aggregator's Deno flags: its narrow permission set, derived from its own
 * configuration — its listeners, the spool, and the hosts each configured sink
 * declares (aggregator/sinks/definition.ts) and the loss alerts' — and its V8
 * flags. Run, it prints them for the tasks and the image build (or, with
 * `--verify`, checks the configuration first: shared/permissions/command.ts).
 *
 * @module
 */

import {
  listenHostPorts,
  pathFlag,
  permissionsCommand,
  type ProgramPermissions,
  urlHostPort,
} from "../shared/permissions/mod.ts";
import { type AggregatorConfig, aggregatorConfig } from "./config/mod.ts";

function aggregatorPermissions(config: AggregatorConfig): string[] {
  const spool = pathFlag("AGGREGATOR_SPOOL_PATH", config.spoolPath);
  const listeners = [
    config.listenAddress,
    config.connectListenAddress,
    config.metricsListenAddress,
  ]
    .filter((address) => address !== undefined);
  const destinations = [
    ...config.sinks.flatMap((sink) => sink.destinations),
    config.notify?.url,
  ].filter((url) => url !== undefined).map(urlHostPort);
  const hosts = new Set([...listeners.flatMap(listenHostPorts), ...destinations]);
  return [
    `--allow-net=${[...hosts].join(",")}`,
    `--allow-read=${spool}`,
    `--allow-write=${spool}`,
  ];
}

export const AGGREGATOR_PERMISSIONS: ProgramPermissions = {
  name: "aggregator",
  env: "AGGREGATOR_*,MINI_COLLECTOR_DEBUG",
  permissions: (env) => aggregatorPermissions(aggregatorConfig(env)),
  /**
   * Heap caps, and a young generation sized for load: every call allocates
   * short-lived request objects, and a 2 MiB semi-space spent a fifth of its
   * CPU in scavenges (bench/, BENCHMARKS.md); 8 MiB costs no more main-thread
   * CPU than 16 MiB under PublishBatch load and keeps 30 MiB less resident (the
   * flag applies to the encoding worker's and the spool writer's isolates as well).
   */
  v8Flags: () => "--max-semi-space-size=8,--max-old-space-size=256",
};

if (import.meta.main) permissionsCommand(AGGREGATOR_PERMISSIONS, Deno.args);
