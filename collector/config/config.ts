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
  choice,
  ConfigError,
  duration,
  type Env,
  integer,
  isSet,
  optionalString,
  requiredString,
} from "../../shared/config/mod.ts";
import { type TlsMaterial, tlsMaterial } from "../../shared/tls.ts";
import { isAbsolute, normalize } from "node:path";
import { type KubernetesTagMapping, kubernetesTagMapping } from "./kubernetes_tags.ts";

export type Protocol = "grpc" | "connect";

/** What one collector process samples: its own container, or every container of the host. */
export type CollectorMode = "container" | "host";

/** The settings of both modes: where points go, how often, and how. */
export interface CollectorSettings {
  mode: CollectorMode;
  /** The aggregators to publish to, failing over between them (collector/failover.ts). */
  remoteAddresses: Address[];
  /** Root of the cgroup filesystem, as mounted where Deno may read it. */
  cgroupRoot: string;
  pollIntervalMs: number;
  protocol: Protocol;
  /** The most points waiting to be sent. */
  queueSize: number;
  publishTimeoutMs: number;
  debug: boolean;
  jsonLogs: boolean;
  tls?: TlsMaterial;
}

/** One container, named by the configuration (the Go original's only mode). */
export interface ContainerModeConfig extends CollectorSettings {
  mode: "container";
  containerId: string;
  /** The first 12 characters of the container id, sent as the `host_name` tag. */
  hostName: string;
  environment: string;
  service: string;
  app?: string;
  database?: string;
  /** The container's cgroup relative to each hierarchy, when discovery is overridden. */
  cgroupRelativePath?: string;
  /** The volume whose usage is reported; undefined reports -1. */
  mountPath?: string;
}

/**
 * The container runtime whose containers host mode samples: `auto` picks
 * Docker when its `containers` directory exists, else containerd when its
 * socket exists (collector/host/select.ts).
 */
export type HostRuntime = "docker" | "containerd" | "auto";

/** Every container of the host's runtime below the cgroup root, tagged from what the runtime says. */
export interface HostModeConfig extends CollectorSettings {
  mode: "host";
  runtime: HostRuntime;
  /** Docker's data root; only its `containers` directory is read. */
  dockerRoot: string;
  /** Prefix of the container labels that give tags. */
  labelPrefix: string;
  /** For containers without an environment label. */
  defaultEnvironment?: string;
  /** For containers without a service label. */
  defaultService?: string;
  /** The CRI runtime's socket (containerd), read and written by a connect. */
  criSocket: string;
  /** How a Kubernetes container's tags come from its pod (containerd). */
  kubernetesTags: KubernetesTagMapping;
}

export type CollectorConfig = ContainerModeConfig | HostModeConfig;

const COLLECTOR_DEFAULT_CGROUP_ROOT = "/sys/fs/cgroup";

/** Where the README and images expose the cgroup filesystem to the collector. */
export const COLLECTOR_CGROUP_MOUNT = "/run/mini-collector/cgroup";

export const DEFAULT_DOCKER_ROOT = "/var/lib/docker";
export const DEFAULT_LABEL_PREFIX = "mini-collector.";
export const DEFAULT_CRI_SOCKET = "/run/containerd/containerd.sock";

const MODES: readonly CollectorMode[] = ["container", "host"];
const HOST_RUNTIMES: readonly HostRuntime[] = ["docker", "containerd", "auto"];
const EXAMPLE_ID = "3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e";
/** Points queued by default: ten polls of one container, or ten thousand points of a host. */
const DEFAULT_QUEUE_SIZE: Record<CollectorMode, number> = { container: 10, host: 10_000 };
/**
 * Variables that name one container's settings; host mode takes those from
 * each container's labels or not at all, so setting one is a mistake.
 */
const CONTAINER_ONLY: Record<string, string> = {
  MINI_COLLECTOR_APP_NAME: "give containers the label <prefix>app instead",
  MINI_COLLECTOR_DATABASE_NAME: "give containers the label <prefix>database instead",
  MINI_COLLECTOR_MOUNT_PATH: "disk fields are -1 for every container",
  MINI_COLLECTOR_CGROUP_RELATIVE_PATH: "every container's cgroup is found below the root",
};

/** The collector's configuration, in the mode `MINI_COLLECTOR_MODE` names. */
export function collectorConfig(env: Env): CollectorConfig {
  return collectorMode(env) === "host" ? hostModeConfig(env) : containerModeConfig(env);
}

/** `MINI_COLLECTOR_MODE`: `container` (default) or `host`. */
function collectorMode(env: Env): CollectorMode {
  return choice(env, "MINI_COLLECTOR_MODE", MODES, "container");
}

/** The container-mode configuration, whatever `MINI_COLLECTOR_MODE` says. */
export function containerModeConfig(env: Env): ContainerModeConfig {
  const containerId = requiredString(env, "MINI_COLLECTOR_CONTAINER_ID", EXAMPLE_ID);
  if (!/^[0-9a-f]{64}$/.test(containerId)) {
    throw new ConfigError(
      "MINI_COLLECTOR_CONTAINER_ID",
      `"${containerId}" is not a 64-character lowercase hex container id`,
      EXAMPLE_ID,
    );
  }
  const connection = connectionSettings(env);
  const environment = requiredString(env, "MINI_COLLECTOR_ENVIRONMENT_NAME", "production");
  const service = requiredString(env, "MINI_COLLECTOR_SERVICE_NAME", "web");
  const root = cgroupRoot(env);
  const relativePath = cgroupRelativePath(env);
  const mountPath = absolutePath(env, "MINI_COLLECTOR_MOUNT_PATH", "/data");
  return {
    mode: "container",
    ...connection,
    containerId,
    hostName: containerId.slice(0, 12),
    environment,
    service,
    app: optionalString(env, "MINI_COLLECTOR_APP_NAME"),
    database: optionalString(env, "MINI_COLLECTOR_DATABASE_NAME"),
    cgroupRoot: root,
    cgroupRelativePath: relativePath,
    mountPath,
    ...pollingSettings(env, "container"),
  };
}

/**
 * The host-mode configuration, whatever `MINI_COLLECTOR_MODE` says.
 * `MINI_COLLECTOR_CONTAINER_ID` is not read; the environment and service
 * names are optional defaults for containers without those labels.
 */
function hostModeConfig(env: Env): HostModeConfig {
  for (const [name, instead] of Object.entries(CONTAINER_ONLY)) {
    if (optionalString(env, name) !== undefined) {
      throw new ConfigError(
        name,
        `is set, but not used when MINI_COLLECTOR_MODE=host (${instead}); unset it`,
        "(unset)",
      );
    }
  }
  return {
    mode: "host",
    ...connectionSettings(env),
    cgroupRoot: cgroupRoot(env),
    runtime: choice(env, "MINI_COLLECTOR_HOST_RUNTIME", HOST_RUNTIMES, "auto"),
    dockerRoot: absolutePath(env, "MINI_COLLECTOR_DOCKER_ROOT", DEFAULT_DOCKER_ROOT) ??
      DEFAULT_DOCKER_ROOT,
    labelPrefix: optionalString(env, "MINI_COLLECTOR_LABEL_PREFIX") ?? DEFAULT_LABEL_PREFIX,
    defaultEnvironment: optionalString(env, "MINI_COLLECTOR_ENVIRONMENT_NAME"),
    defaultService: optionalString(env, "MINI_COLLECTOR_SERVICE_NAME"),
    criSocket: absolutePath(env, "MINI_COLLECTOR_CRI_SOCKET", DEFAULT_CRI_SOCKET) ??
      DEFAULT_CRI_SOCKET,
    kubernetesTags: kubernetesTagMapping(env),
    ...pollingSettings(env, "host"),
  };
}

/** Where points go and in which protocol. */
function connectionSettings(env: Env): Pick<CollectorSettings, "remoteAddresses" | "protocol"> {
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
    protocol,
  };
}

/** How often to poll, how many points to hold, how to call and log. */
function pollingSettings(
  env: Env,
  mode: CollectorMode,
): Omit<CollectorSettings, "mode" | "remoteAddresses" | "protocol" | "cgroupRoot"> {
  return {
    pollIntervalMs: duration(env, "MINI_COLLECTOR_POLL_INTERVAL", "30s"),
    queueSize: integer(env, "MINI_COLLECTOR_QUEUE_SIZE", DEFAULT_QUEUE_SIZE[mode], 1, 100_000),
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
