/**
 * What both programs' configurations are read with: typed readers of
 * environment variables (durations, integers, addresses, JSON objects) and
 * {@link ConfigError}, which names the variable at fault; and the
 * aggregator's configuration (`aggregator.ts`), which stays here until the
 * sinks declare their own parts of it. The collector's configuration lives in
 * its tree: `collector/config/`.
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
  type Address,
  addressListValue,
  addressValue,
  choice,
  ConfigError,
  duration,
  durationValue,
  type Env,
  envFrom,
  integer,
  integerValue,
  isSet,
  jsonObject,
  jsonString,
  optionalString,
  requiredString,
} from "./env.ts";
export { refuseUnknownKeys } from "./json_keys.ts";
