/**
 * The aggregator's configuration: the Go original's `AGGREGATOR_*` variables
 * with their defaults and JSON keys, plus the settings this rewrite adds under
 * the same prefix (listen address, spool, limits). What one client may cost
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
  ConfigError,
  duration,
  durationValue,
  type Env,
  integer,
  integerValue,
  isSet,
  jsonObject,
  jsonString,
  optionalString,
} from "./env.ts";
import { refuseUnknownKeys } from "./json_keys.ts";
import { type TlsMaterial, tlsMaterial } from "../tls.ts";
import { OPTIONAL_TAGS, REQUIRED_TAGS } from "../tags.ts";

export interface DatadogConfig {
  apiKey: string;
  /** The Datadog site (`datadoghq.com`, `datadoghq.eu`, …), for messages. */
  site: string;
  seriesUrl: URL;
  /** v1 (`/api/v1/series`) or v2 (`/api/v2/series`) payloads, chosen by the URL. */
  apiVersion: 1 | 2;
  timeoutMs: number;
  retryCount: number;
  /** Send the `host_name` tag as the Datadog host (compat default). */
  sendHost: boolean;
  /** Check the API key at startup (`GET /api/v1/validate`); warns, never blocks. */
  validateKey: boolean;
}

export interface InfluxdbConfig {
  address: URL;
  username?: string;
  password?: string;
  database?: string;
  /** InfluxDB 2 API (`/api/v2/write`) when a token is configured. */
  token?: string;
  org?: string;
  bucket?: string;
  timeoutMs: number;
  retryCount: number;
}

export interface PrometheusConfig {
  /** The remote-write endpoint, e.g. `http://prometheus:9090/api/v1/write`. */
  url: URL;
  basicAuth?: { username: string; password: string };
  bearerToken?: string;
  /** Static labels added to every series, by name. */
  labels: Record<string, string>;
  timeoutMs: number;
  retryCount: number;
}

export interface NotifyConfig {
  integrationKey: string;
  incidentKey: string;
  identifier: string;
  url: URL;
}

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
  datadog?: DatadogConfig;
  influxdb?: InfluxdbConfig;
  prometheus?: PrometheusConfig;
  text: boolean;
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

const DATADOG = "AGGREGATOR_DATADOG_CONFIGURATION";
const DATADOG_EXAMPLE = `'{"api_key":"<key>","timeout":"30s","retry_count":"3"}'`;
const INFLUXDB = "AGGREGATOR_INFLUXDB_CONFIGURATION";
const INFLUXDB_EXAMPLE =
  `'{"address":"http://influxdb:8086","username":"u","password":"p","database":"metrics"}'`;
const PROMETHEUS = "AGGREGATOR_PROMETHEUS_CONFIGURATION";
const PROMETHEUS_EXAMPLE =
  `'{"url":"http://prometheus:9090/api/v1/write","labels":{"region":"us-east-1"}}'`;
const NOTIFY = "AGGREGATOR_NOTIFY_CONFIGURATION";
const NOTIFY_EXAMPLE =
  `'{"integration_key":"<key>","incident_key":"metrics-loss","identifier":"aggregator-1"}'`;

/** Every key each JSON variable knows; any other is refused with the nearest of these. */
const POLICY_KEYS = ["timeout", "retry_count"];
const DATADOG_KEYS = ["api_key", "site", "series_url", "send_host", "validate_key", ...POLICY_KEYS];
const INFLUXDB_KEYS = [
  "address",
  "username",
  "password",
  "database",
  "token",
  "org",
  "bucket",
  ...POLICY_KEYS,
];
const PROMETHEUS_KEYS = ["url", "basic_auth", "bearer_token", "labels", ...POLICY_KEYS];
const NOTIFY_KEYS = ["integration_key", "incident_key", "identifier", "url"];

export function aggregatorConfig(env: Env): AggregatorConfig {
  const config: AggregatorConfig = {
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
    datadog: datadogConfig(env),
    influxdb: influxdbConfig(env),
    prometheus: prometheusConfig(env),
    text: isSet(env, "AGGREGATOR_TEXT_CONFIGURATION"),
    notify: notifyConfig(env),
    tls: isSet(env, "AGGREGATOR_TLS") ? tlsMaterial(env, "AGGREGATOR") : undefined,
    debug: isSet(env, "MINI_COLLECTOR_DEBUG"),
    jsonLogs: optionalString(env, "AGGREGATOR_LOG_FORMAT") === "json",
  };
  if (!config.datadog && !config.influxdb && !config.prometheus && !config.text) {
    throw new ConfigError(
      DATADOG,
      `no destination is configured: set at least one of ${DATADOG}, ${INFLUXDB}, ` +
        `${PROMETHEUS} or AGGREGATOR_TEXT_CONFIGURATION`,
      DATADOG_EXAMPLE,
    );
  }
  return config;
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

function url(variable: string, key: string, text: string, example: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new ConfigError(variable, `key "${key}": "${text}" is not a URL`, example);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new ConfigError(variable, `key "${key}": "${text}" is not an http(s) URL`, example);
  }
  if (parsed.username || parsed.password || parsed.search) {
    throw new ConfigError(
      variable,
      `key "${key}" must not carry credentials or a query string`,
      example,
    );
  }
  return parsed;
}

function policy(object: Record<string, unknown>, variable: string, example: string) {
  const timeout = jsonString(object, variable, "timeout", example) ?? "30s";
  const retries = jsonString(object, variable, "retry_count", example) ?? "3";
  return {
    timeoutMs: durationValue(`${variable} key "timeout"`, timeout, "30s"),
    retryCount: integerValue(`${variable} key "retry_count"`, retries, 0, 100, "3"),
  };
}

function datadogConfig(env: Env): DatadogConfig | undefined {
  const object = jsonObject(env, DATADOG, DATADOG_EXAMPLE);
  if (!object) return undefined;
  refuseUnknownKeys(object, DATADOG, DATADOG_KEYS, DATADOG_EXAMPLE);
  const apiKey = jsonString(object, DATADOG, "api_key", DATADOG_EXAMPLE);
  if (!apiKey) throw new ConfigError(DATADOG, `key "api_key" is required`, DATADOG_EXAMPLE);
  const site = jsonString(object, DATADOG, "site", DATADOG_EXAMPLE) ?? "datadoghq.com";
  if (!/^[a-z0-9.-]+$/.test(site)) {
    throw new ConfigError(DATADOG, `key "site": "${site}" is not a host name`, DATADOG_EXAMPLE);
  }
  const seriesText = jsonString(object, DATADOG, "series_url", DATADOG_EXAMPLE) ??
    `https://api.${site}/api/v2/series`;
  const seriesUrl = url(DATADOG, "series_url", seriesText, DATADOG_EXAMPLE);
  return {
    apiKey,
    site,
    seriesUrl,
    apiVersion: seriesUrl.pathname.replace(/\/+$/, "").endsWith("/api/v1/series") ? 1 : 2,
    sendHost: jsonBoolean(object, "send_host", true),
    validateKey: jsonBoolean(object, "validate_key", false),
    ...policy(object, DATADOG, DATADOG_EXAMPLE),
  };
}

function jsonBoolean(object: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = object[key] ?? fallback;
  if (typeof value !== "boolean") {
    throw new ConfigError(DATADOG, `key "${key}" must be true or false`, DATADOG_EXAMPLE);
  }
  return value;
}

function influxdbConfig(env: Env): InfluxdbConfig | undefined {
  const object = jsonObject(env, INFLUXDB, INFLUXDB_EXAMPLE);
  if (!object) return undefined;
  refuseUnknownKeys(object, INFLUXDB, INFLUXDB_KEYS, INFLUXDB_EXAMPLE);
  const get = (key: string) => jsonString(object, INFLUXDB, key, INFLUXDB_EXAMPLE);
  const addressText = get("address");
  if (!addressText) throw new ConfigError(INFLUXDB, `key "address" is required`, INFLUXDB_EXAMPLE);
  const config: InfluxdbConfig = {
    address: url(INFLUXDB, "address", addressText, INFLUXDB_EXAMPLE),
    username: get("username"),
    password: get("password"),
    database: get("database"),
    token: get("token"),
    org: get("org"),
    bucket: get("bucket"),
    ...policy(object, INFLUXDB, INFLUXDB_EXAMPLE),
  };
  if (config.token ? !config.bucket : !config.database) {
    throw new ConfigError(
      INFLUXDB,
      config.token ? `key "bucket" is required with "token"` : `key "database" is required`,
      INFLUXDB_EXAMPLE,
    );
  }
  return config;
}

/**
 * A label name Prometheus accepts, not reserved (`__…`), not a point's tag, and
 * starting in lowercase or `_` so that `__name__` sorts first among a series' labels.
 */
const LABEL_NAME = /^[a-z_][a-zA-Z0-9_]*$/;
const TAG_NAMES: readonly string[] = [...REQUIRED_TAGS, ...OPTIONAL_TAGS];

function prometheusConfig(env: Env): PrometheusConfig | undefined {
  const object = jsonObject(env, PROMETHEUS, PROMETHEUS_EXAMPLE);
  if (!object) return undefined;
  refuseUnknownKeys(object, PROMETHEUS, PROMETHEUS_KEYS, PROMETHEUS_EXAMPLE);
  const fail = (problem: string): never => {
    throw new ConfigError(PROMETHEUS, problem, PROMETHEUS_EXAMPLE);
  };
  const urlText = jsonString(object, PROMETHEUS, "url", PROMETHEUS_EXAMPLE);
  if (!urlText) fail(`key "url" is required`);
  const bearerToken = jsonString(object, PROMETHEUS, "bearer_token", PROMETHEUS_EXAMPLE);
  const basicAuth = prometheusBasicAuth(object.basic_auth, fail);
  if (basicAuth && bearerToken) fail(`keys "basic_auth" and "bearer_token" exclude each other`);
  return {
    url: url(PROMETHEUS, "url", urlText!, PROMETHEUS_EXAMPLE),
    basicAuth,
    bearerToken,
    labels: prometheusLabels(object.labels, fail),
    ...policy(object, PROMETHEUS, PROMETHEUS_EXAMPLE),
  };
}

function prometheusBasicAuth(
  value: unknown,
  fail: (problem: string) => never,
): PrometheusConfig["basicAuth"] {
  if (value === undefined || value === null) return undefined;
  const auth = value as Record<string, unknown>;
  if (
    typeof value !== "object" || Array.isArray(value) ||
    typeof auth.username !== "string" || auth.username === "" ||
    typeof auth.password !== "string"
  ) {
    return fail(`key "basic_auth" must be {"username":"<non-empty>","password":"<string>"}`);
  }
  return { username: auth.username, password: auth.password };
}

function prometheusLabels(
  value: unknown,
  fail: (problem: string) => never,
): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    return fail(`key "labels" must be an object of label names to string values`);
  }
  const labels: Record<string, string> = {};
  for (const [name, text] of Object.entries(value)) {
    if (!LABEL_NAME.test(name) || name.startsWith("__")) {
      fail(`key "labels": "${name}" is not a label name ([a-z_][a-zA-Z0-9_]*, no leading __)`);
    }
    if (TAG_NAMES.includes(name)) {
      fail(`key "labels": "${name}" is a point tag; every series already carries it`);
    }
    if (typeof text !== "string" || text === "") {
      fail(`key "labels": the value of "${name}" must be a non-empty string`);
    }
    labels[name] = text as string;
  }
  return labels;
}

function notifyConfig(env: Env): NotifyConfig | undefined {
  const object = jsonObject(env, NOTIFY, NOTIFY_EXAMPLE);
  if (!object) return undefined;
  refuseUnknownKeys(object, NOTIFY, NOTIFY_KEYS, NOTIFY_EXAMPLE);
  const get = (key: string) => jsonString(object, NOTIFY, key, NOTIFY_EXAMPLE);
  const integrationKey = get("integration_key");
  if (!integrationKey) {
    throw new ConfigError(NOTIFY, `key "integration_key" is required`, NOTIFY_EXAMPLE);
  }
  return {
    integrationKey,
    incidentKey: get("incident_key") ?? "mini-collector-aggregator",
    identifier: get("identifier") ?? "aggregator",
    url: url(
      NOTIFY,
      "url",
      get("url") ?? "https://events.pagerduty.com/v2/enqueue",
      NOTIFY_EXAMPLE,
    ),
  };
}
