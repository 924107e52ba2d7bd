/**
 * Both programs' configuration, read from environment variables with the Go
 * original's names and defaults; every problem is a {@link ConfigError} that
 * names the variable. `env.ts` holds the typed readers the two configurations
 * share and is internal to this module.
 *
 * @module
 */

export {
  type AggregatorConfig,
  aggregatorConfig,
  type DatadogConfig,
  type InfluxdbConfig,
  type ListenerLimits,
  type NotifyConfig,
  type PrometheusConfig,
} from "./aggregator.ts";
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
} from "./collector.ts";
export { type Address, ConfigError, type Env, envFrom } from "./env.ts";
export {
  DEFAULT_KUBERNETES_TAGS,
  type KubernetesTagMapping,
  type PodFact,
} from "./kubernetes_tags.ts";
