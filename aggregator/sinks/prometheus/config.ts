/**
 * The Prometheus remote-write sink's configuration:
 * `AGGREGATOR_PROMETHEUS_CONFIGURATION`, a JSON object with the endpoint's
 * URL, one kind of credentials (basic auth or a bearer token) and static
 * labels added to every series.
 *
 * @module
 */
import { type Env, jsonVariable } from "../../../shared/config/mod.ts";
import { OPTIONAL_TAGS, REQUIRED_TAGS } from "../../../shared/tags.ts";
import { RETRY_KEYS, type RetrySettings, retrySettings } from "../http/retry_settings.ts";

export interface PrometheusConfig extends RetrySettings {
  /** The remote-write endpoint, e.g. `http://prometheus:9090/api/v1/write`. */
  url: URL;
  basicAuth?: { username: string; password: string };
  bearerToken?: string;
  /** Static labels added to every series, by name. */
  labels: Record<string, string>;
}

export const PROMETHEUS_VARIABLE = "AGGREGATOR_PROMETHEUS_CONFIGURATION";
export const PROMETHEUS_EXAMPLE =
  `'{"url":"http://prometheus:9090/api/v1/write","labels":{"region":"us-east-1"}}'`;
const KEYS = ["url", "basic_auth", "bearer_token", "labels", ...RETRY_KEYS];

/**
 * A label name Prometheus accepts, not reserved (`__…`), not a point's tag, and
 * starting in lowercase or `_` so that `__name__` sorts first among a series' labels.
 */
const LABEL_NAME = /^[a-z_][a-zA-Z0-9_]*$/;
const TAG_NAMES: readonly string[] = [...REQUIRED_TAGS, ...OPTIONAL_TAGS];

type Fail = (problem: string) => never;

/** The Prometheus sink's configuration, undefined when its variable is unset. */
export function prometheusConfig(env: Env): PrometheusConfig | undefined {
  const json = jsonVariable(env, PROMETHEUS_VARIABLE, KEYS, PROMETHEUS_EXAMPLE);
  if (!json) return undefined;
  const url = json.url("url");
  const bearerToken = json.string("bearer_token");
  const basicAuth = basicAuthOf(json.object.basic_auth, json.fail);
  if (basicAuth && bearerToken) {
    json.fail(`keys "basic_auth" and "bearer_token" exclude each other`);
  }
  return {
    url,
    basicAuth,
    bearerToken,
    labels: labelsOf(json.object.labels, json.fail),
    ...retrySettings(json),
  };
}

function basicAuthOf(value: unknown, fail: Fail): PrometheusConfig["basicAuth"] {
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

function labelsOf(value: unknown, fail: Fail): Record<string, string> {
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
