/**
 * The InfluxDB sink's configuration: `AGGREGATOR_INFLUXDB_CONFIGURATION`, the
 * Go original's JSON object — an address and a database with optional basic
 * credentials (InfluxDB 1), or a token, org and bucket (InfluxDB 2).
 *
 * @module
 */
import { type Env, jsonVariable } from "../../../shared/config/mod.ts";
import { RETRY_KEYS, type RetrySettings, retrySettings } from "../http/retry_settings.ts";

export interface InfluxdbConfig extends RetrySettings {
  address: URL;
  username?: string;
  password?: string;
  database?: string;
  /** InfluxDB 2 API (`/api/v2/write`) when a token is configured. */
  token?: string;
  org?: string;
  bucket?: string;
}

export const INFLUXDB_VARIABLE = "AGGREGATOR_INFLUXDB_CONFIGURATION";
export const INFLUXDB_EXAMPLE =
  `'{"address":"http://influxdb:8086","username":"u","password":"p","database":"metrics"}'`;
const KEYS = ["address", "username", "password", "database", "token", "org", "bucket"];

/** The InfluxDB sink's configuration, undefined when its variable is unset. */
export function influxdbConfig(env: Env): InfluxdbConfig | undefined {
  const json = jsonVariable(env, INFLUXDB_VARIABLE, [...KEYS, ...RETRY_KEYS], INFLUXDB_EXAMPLE);
  if (!json) return undefined;
  const config: InfluxdbConfig = {
    address: json.url("address"),
    username: json.string("username"),
    password: json.string("password"),
    database: json.string("database"),
    token: json.string("token"),
    org: json.string("org"),
    bucket: json.string("bucket"),
    ...retrySettings(json),
  };
  if (config.token ? !config.bucket : !config.database) {
    json.fail(
      config.token ? `key "bucket" is required with "token"` : `key "database" is required`,
    );
  }
  return config;
}
