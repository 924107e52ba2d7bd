/**
 * The collector's configuration, read from the same `MINI_COLLECTOR_*`
 * variables and with the same defaults as the Go original, plus the settings
 * this rewrite adds under the same prefix.
 *
 * @module
 */

import {
  type Address,
  addressListValue,
  ConfigError,
  duration,
  type Env,
  integer,
  isSet,
  optionalString,
  requiredString,
} from "./env.ts";
import { type TlsMaterial, tlsMaterial } from "../tls.ts";
import { isAbsolute, normalize } from "node:path";

export type Protocol = "grpc" | "connect";

export interface CollectorConfig {
  /** The aggregators to publish to, failing over between them (collector/failover.ts). */
  remoteAddresses: Address[];
  containerId: string;
  /** The first 12 characters of the container id, sent as the `host_name` tag. */
  hostName: string;
  environment: string;
  service: string;
  app?: string;
  database?: string;
  /** Root of the cgroup filesystem, as mounted where Deno may read it. */
  cgroupRoot: string;
  /** The container's cgroup relative to each hierarchy, when discovery is overridden. */
  cgroupRelativePath?: string;
  /** The volume whose usage is reported; undefined reports -1. */
  mountPath?: string;
  pollIntervalMs: number;
  protocol: Protocol;
  queueSize: number;
  publishTimeoutMs: number;
  debug: boolean;
  jsonLogs: boolean;
  tls?: TlsMaterial;
}

const COLLECTOR_DEFAULT_CGROUP_ROOT = "/sys/fs/cgroup";

/** Where the README and images expose the cgroup filesystem to the collector. */
export const COLLECTOR_CGROUP_MOUNT = "/run/mini-collector/cgroup";

export function collectorConfig(env: Env): CollectorConfig {
  const containerId = requiredString(
    env,
    "MINI_COLLECTOR_CONTAINER_ID",
    "3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e",
  );
  if (!/^[0-9a-f]{64}$/.test(containerId)) {
    throw new ConfigError(
      "MINI_COLLECTOR_CONTAINER_ID",
      `"${containerId}" is not a 64-character lowercase hex container id`,
      "3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e",
    );
  }
  const protocol = optionalString(env, "MINI_COLLECTOR_PROTOCOL") ?? "grpc";
  if (protocol !== "grpc" && protocol !== "connect") {
    throw new ConfigError(
      "MINI_COLLECTOR_PROTOCOL",
      `"${protocol}" is not one of grpc, connect`,
      "grpc",
    );
  }
  const remote = requiredString(env, "MINI_COLLECTOR_REMOTE_ADDRESS", "aggregator:8000");
  return {
    remoteAddresses: addressListValue("MINI_COLLECTOR_REMOTE_ADDRESS", remote, "aggregator:8000"),
    containerId,
    hostName: containerId.slice(0, 12),
    environment: requiredString(env, "MINI_COLLECTOR_ENVIRONMENT_NAME", "production"),
    service: requiredString(env, "MINI_COLLECTOR_SERVICE_NAME", "web"),
    app: optionalString(env, "MINI_COLLECTOR_APP_NAME"),
    database: optionalString(env, "MINI_COLLECTOR_DATABASE_NAME"),
    cgroupRoot: cgroupRoot(env),
    cgroupRelativePath: cgroupRelativePath(env),
    mountPath: absolutePath(env, "MINI_COLLECTOR_MOUNT_PATH", "/data"),
    pollIntervalMs: duration(env, "MINI_COLLECTOR_POLL_INTERVAL", "30s"),
    protocol,
    queueSize: integer(env, "MINI_COLLECTOR_QUEUE_SIZE", 10, 1, 100_000),
    publishTimeoutMs: duration(env, "MINI_COLLECTOR_PUBLISH_TIMEOUT", "4s"),
    debug: isSet(env, "MINI_COLLECTOR_DEBUG"),
    jsonLogs: optionalString(env, "MINI_COLLECTOR_LOG_FORMAT") === "json",
    tls: isSet(env, "MINI_COLLECTOR_TLS") ? tlsMaterial(env, "MINI_COLLECTOR") : undefined,
  };
}

function absolutePath(env: Env, name: string, example: string): string | undefined {
  const text = optionalString(env, name);
  if (text === undefined) return undefined;
  if (!isAbsolute(text)) throw new ConfigError(name, `"${text}" is not an absolute path`, example);
  return normalize(text);
}

/**
 * Deno grants reads under /sys and /proc only with --allow-all, which this
 * program never gets; the cgroup filesystem must be exposed elsewhere.
 */
function cgroupRoot(env: Env): string {
  const name = "MINI_COLLECTOR_CGROUP_PATH";
  const root = absolutePath(env, name, COLLECTOR_CGROUP_MOUNT) ?? COLLECTOR_DEFAULT_CGROUP_ROOT;
  for (const special of ["/sys", "/proc"]) {
    if (root === special || root.startsWith(`${special}/`)) {
      throw new ConfigError(
        name,
        `"${root}" is under ${special}, which Deno lets a program read only with --allow-all; ` +
          `expose the cgroup filesystem at another path and point ${name} there: ` +
          `in a container mount it as a volume (-v /sys/fs/cgroup:/host/cgroup:ro, then ` +
          `${name}=/host/cgroup); on a host, as root: collector/expose-cgroup.sh ` +
          `${COLLECTOR_CGROUP_MOUNT} (a read-only recursive bind mount), then ` +
          `${name}=${COLLECTOR_CGROUP_MOUNT}`,
        COLLECTOR_CGROUP_MOUNT,
      );
    }
  }
  return root;
}

function cgroupRelativePath(env: Env): string | undefined {
  const name = "MINI_COLLECTOR_CGROUP_RELATIVE_PATH";
  const text = optionalString(env, name);
  if (text === undefined) return undefined;
  const path = normalize(text).replace(/^\/+/, "");
  if (path === "" || path === "." || path === ".." || path.startsWith("../")) {
    throw new ConfigError(name, `"${text}" must name a cgroup below the root`, "docker/<id>");
  }
  return path;
}
