/**
 * What both programs' configurations are read with: typed readers of
 * environment variables (durations, integers, addresses, JSON objects) and
 * {@link ConfigError}, which names the variable at fault. Each program's
 * configuration lives in its own tree: `collector/config/`, `aggregator/config/`
 * (and each sink's folder for its own variable).
 *
 * @module
 */

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
export { type JsonVariable, jsonVariable } from "./json_variable.ts";
