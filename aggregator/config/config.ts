/**
 * The aggregator's configuration: the Go original's `AGGREGATOR_*` variables
 * with their defaults, plus the settings this rewrite adds under the same
 * prefix (listen address, spool, limits). Each sink reads its own variable
 * (aggregator/sinks/registry.ts lists them) and the loss alerts theirs
 * (aggregator/notify/config.ts). What one client may cost
 * the listener — `AGGREGATOR_MAX_CONNECTIONS`, `AGGREGATOR_MAX_CONNECTIONS_PER_PEER`,
 * `AGGREGATOR_MAX_CONCURRENT_STREAMS`, `AGGREGATOR_MAX_STREAM_RESETS`,
 * `AGGREGATOR_HANDSHAKE_TIMEOUT`, `AGGREGATOR_IDLE_TIMEOUT`,
 * `AGGREGATOR_REQUEST_TIMEOUT` — is described with its defaults in
 * docs/ARCHITECTURE.md ("Limits").
 *
 * @module
 */

import {
  type Address,
  addressValue,
  duration,
  type Env,
  integer,
  isSet,
  optionalString,
} from "../../shared/config/mod.ts";
import { type TlsMaterial, tlsMaterial } from "../../shared/tls.ts";
import { type NotifyConfig, notifyConfig } from "../notify/mod.ts";
import { type ConfiguredSink, configuredSinks, type SinkName } from "../sinks/mod.ts";

export interface AggregatorConfig {
  listenAddress: Address;
  /** Optional second listener (Deno.serve) for Connect and gRPC-Web only. */
  connectListenAddress?: Address;
  /** Optional HTTP/1.1 listener (Deno.serve) for `/metrics` and `/healthz`. */
  metricsListenAddress?: Address;
  spoolPath: string;
  spoolMaxBytes: number;
  maxRequestBytes: number;
  /** Distinct tag sets taken per hour (aggregator/server/tag_set_limit.ts). */
  maxTagSets: number;
  limits: ListenerLimits;
  batchSize: number;
  /** Batches each sink may have in flight at once (docs/ARCHITECTURE.md, "Delivery and loss"). */
  deliveryConcurrency: number;
  minimumPublishFrequencyMs: number;
  shutdownTimeoutMs: number;
  statsIntervalMs: number;
  /** The sinks the configuration turns on, in the registry's order (aggregator/sinks/registry.ts). */
  sinks: readonly ConfiguredSink<SinkName>[];
  notify?: NotifyConfig;
  tls?: TlsMaterial;
  debug: boolean;
  jsonLogs: boolean;
}

/**
 * The spool's default directory: the container images' volume. Absolute, so the
 * spool never lands wherever the process happened to be started.
 */
export const DEFAULT_SPOOL_PATH = "/var/lib/mini-collector/spool";

/** The Go original's batch size, also the most points one batch may hold. */
const MAX_BATCH_SIZE = 1000;

export function aggregatorConfig(env: Env): AggregatorConfig {
  return {
    listenAddress: address(env, "AGGREGATOR_LISTEN_ADDRESS", "0.0.0.0:8000")!,
    connectListenAddress: address(env, "AGGREGATOR_CONNECT_LISTEN_ADDRESS"),
    metricsListenAddress: address(
      env,
      "AGGREGATOR_METRICS_LISTEN_ADDRESS",
      undefined,
      "0.0.0.0:9090",
    ),
    spoolPath: optionalString(env, "AGGREGATOR_SPOOL_PATH") ?? DEFAULT_SPOOL_PATH,
    spoolMaxBytes: integer(env, "AGGREGATOR_SPOOL_MAX_BYTES", 1 << 30, 1 << 20, 2 ** 48),
    maxRequestBytes: integer(env, "AGGREGATOR_MAX_REQUEST_BYTES", 65_536, 1024, 16 << 20),
    maxTagSets: integer(env, "AGGREGATOR_MAX_TAG_SETS", 100_000, 1, 10_000_000),
    limits: listenerLimits(env),
    batchSize: integer(env, "AGGREGATOR_BATCH_SIZE", MAX_BATCH_SIZE, 1, MAX_BATCH_SIZE),
    deliveryConcurrency: integer(env, "AGGREGATOR_DELIVERY_CONCURRENCY", 4, 1, 16),
    minimumPublishFrequencyMs: duration(env, "AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY", "15s"),
    shutdownTimeoutMs: duration(env, "AGGREGATOR_SHUTDOWN_TIMEOUT", "10s"),
    statsIntervalMs: duration(env, "AGGREGATOR_STATS_INTERVAL", "60s"),
    sinks: configuredSinks(env),
    notify: notifyConfig(env),
    tls: isSet(env, "AGGREGATOR_TLS") ? tlsMaterial(env, "AGGREGATOR") : undefined,
    debug: isSet(env, "MINI_COLLECTOR_DEBUG"),
    jsonLogs: optionalString(env, "AGGREGATOR_LOG_FORMAT") === "json",
  };
}

/** Connection-level limits of the aggregator's main listener (docs/ARCHITECTURE.md, "Limits"). */
export interface ListenerLimits {
  maxConnections: number;
  maxConnectionsPerPeer: number;
  maxConcurrentStreams: number;
  /** Stream resets a client may send per 10 s on one connection. */
  maxStreamResets: number;
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  requestTimeoutMs: number;
}

function listenerLimits(env: Env): ListenerLimits {
  return {
    maxConnections: integer(env, "AGGREGATOR_MAX_CONNECTIONS", 1024, 1, 1 << 20),
    maxConnectionsPerPeer: integer(env, "AGGREGATOR_MAX_CONNECTIONS_PER_PEER", 256, 1, 1 << 20),
    maxConcurrentStreams: integer(env, "AGGREGATOR_MAX_CONCURRENT_STREAMS", 100, 1, 1000),
    maxStreamResets: integer(env, "AGGREGATOR_MAX_STREAM_RESETS", 200, 1, 1 << 20),
    handshakeTimeoutMs: duration(env, "AGGREGATOR_HANDSHAKE_TIMEOUT", "10s"),
    idleTimeoutMs: duration(env, "AGGREGATOR_IDLE_TIMEOUT", "5m"),
    requestTimeoutMs: duration(env, "AGGREGATOR_REQUEST_TIMEOUT", "15s"),
  };
}

function address(
  env: Env,
  name: string,
  fallback?: string,
  example = fallback ?? "127.0.0.1:8001",
): Address | undefined {
  const text = optionalString(env, name) ?? fallback;
  return text === undefined ? undefined : addressValue(name, text, example);
}
