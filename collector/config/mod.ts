/**
 * The collector's configuration, read from the Go original's
 * `MINI_COLLECTOR_*` variables with its defaults; every problem is a
 * `ConfigError` that names the variable.
 *
 * @module
 */

export {
  COLLECTOR_CGROUP_MOUNT,
  type CollectorConfig,
  collectorConfig,
  type CollectorMode,
  type CollectorSettings,
  type ContainerModeConfig,
  containerModeConfig,
  DEFAULT_CRI_SOCKET,
  DEFAULT_DOCKER_ROOT,
  DEFAULT_LABEL_PREFIX,
  type HostModeConfig,
  type HostRuntime,
  type Protocol,
} from "./config.ts";
export {
  DEFAULT_KUBERNETES_TAGS,
  type KubernetesTagMapping,
  type PodFact,
} from "./kubernetes_tags.ts";
