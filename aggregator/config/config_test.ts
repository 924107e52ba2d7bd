import assert from "node:assert/strict";
import { ConfigError, envFrom } from "../../shared/config/mod.ts";
import { aggregatorConfig, DEFAULT_SPOOL_PATH } from "./config.ts";

const DATADOG = "AGGREGATOR_DATADOG_CONFIGURATION";
const INFLUXDB = "AGGREGATOR_INFLUXDB_CONFIGURATION";
const PROMETHEUS = "AGGREGATOR_PROMETHEUS_CONFIGURATION";

function rejects(values: Record<string, string | undefined>, variable: string, problem: RegExp) {
  assert.throws(
    () => aggregatorConfig(envFrom(values)),
    (error: unknown) =>
      error instanceof ConfigError && error.message.startsWith(variable) &&
      problem.test(error.message) && error.message.includes("(example: "),
  );
}

Deno.test("the aggregator refuses to start without a destination", () => {
  rejects({}, DATADOG, /no destination is configured/);
});

Deno.test("aggregator defaults follow the Go original", () => {
  const config = aggregatorConfig(envFrom({ AGGREGATOR_TEXT_CONFIGURATION: "" }));
  assert.deepEqual(config.listenAddress, { host: "0.0.0.0", port: 8000 });
  assert.equal(config.minimumPublishFrequencyMs, 15_000);
  assert.equal(config.batchSize, 1000);
  assert.equal(config.deliveryConcurrency, 4);
  assert.deepEqual(config.sinks.map((sink) => sink.name), ["stdout"]);
  assert.equal(config.spoolPath, "/var/lib/mini-collector/spool");
  assert.equal(DEFAULT_SPOOL_PATH, config.spoolPath);
  assert.equal(config.metricsListenAddress, undefined);
});

Deno.test("the metrics listener is optional and takes a host:port", () => {
  const config = aggregatorConfig(envFrom({
    AGGREGATOR_TEXT_CONFIGURATION: "",
    AGGREGATOR_METRICS_LISTEN_ADDRESS: "127.0.0.1:9090",
  }));
  assert.deepEqual(config.metricsListenAddress, { host: "127.0.0.1", port: 9090 });
  for (const text of ["9090", "localhost:", "127.0.0.1:70000", "[::1]9090"]) {
    rejects(
      { AGGREGATOR_TEXT_CONFIGURATION: "", AGGREGATOR_METRICS_LISTEN_ADDRESS: text },
      "AGGREGATOR_METRICS_LISTEN_ADDRESS",
      /is not a host:port address \(example: AGGREGATOR_METRICS_LISTEN_ADDRESS=0\.0\.0\.0:9090\)$/,
    );
  }
});

Deno.test("each bad aggregator value names its variable", () => {
  rejects({ [DATADOG]: "{" }, DATADOG, /not valid JSON/);
  rejects({ [DATADOG]: "[]" }, DATADOG, /JSON object/);
  rejects({ [DATADOG]: `{"timeout":"1s"}` }, DATADOG, /"api_key" is required/);
  rejects({ [DATADOG]: `{"api_key":"k","timeout":"30"}` }, `${DATADOG} key "timeout"`, /duration/);
  rejects(
    { [DATADOG]: `{"api_key":"k","retry_count":"many"}` },
    `${DATADOG} key "retry_count"`,
    /whole number/,
  );
  rejects({ [DATADOG]: `{"api_key":"k","series_url":"ftp://x"}` }, DATADOG, /http\(s\) URL/);
  rejects(
    { [DATADOG]: `{"api_key":"k","series_url":"https://x/api/v2/series?api_key=k"}` },
    DATADOG,
    /query string/,
  );
  rejects({ [INFLUXDB]: `{"address":"http://x:8086"}` }, INFLUXDB, /"database" is required/);
  rejects(
    { AGGREGATOR_TEXT_CONFIGURATION: "", AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY: "15" },
    "AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY",
    /not a duration/,
  );
  rejects(
    { AGGREGATOR_TEXT_CONFIGURATION: "", AGGREGATOR_LISTEN_ADDRESS: "8000" },
    "AGGREGATOR_LISTEN_ADDRESS",
    /host:port/,
  );
  rejects(
    { AGGREGATOR_TEXT_CONFIGURATION: "", AGGREGATOR_BATCH_SIZE: "5000" },
    "AGGREGATOR_BATCH_SIZE",
    /outside 1..1000/,
  );
});

Deno.test("listener limits have safe defaults and each variable overrides one", () => {
  const defaults = aggregatorConfig(envFrom({ AGGREGATOR_TEXT_CONFIGURATION: "" })).limits;
  assert.deepEqual(defaults, {
    maxConnections: 1024,
    maxConnectionsPerPeer: 256,
    maxConcurrentStreams: 100,
    maxStreamResets: 200,
    handshakeTimeoutMs: 10_000,
    idleTimeoutMs: 300_000,
    requestTimeoutMs: 15_000,
  });
  const set = aggregatorConfig(envFrom({
    AGGREGATOR_TEXT_CONFIGURATION: "",
    AGGREGATOR_MAX_CONNECTIONS: "10",
    AGGREGATOR_MAX_CONNECTIONS_PER_PEER: "2",
    AGGREGATOR_MAX_CONCURRENT_STREAMS: "8",
    AGGREGATOR_MAX_STREAM_RESETS: "50",
    AGGREGATOR_HANDSHAKE_TIMEOUT: "1s",
    AGGREGATOR_IDLE_TIMEOUT: "2m",
    AGGREGATOR_REQUEST_TIMEOUT: "3s",
  })).limits;
  assert.deepEqual(set, {
    maxConnections: 10,
    maxConnectionsPerPeer: 2,
    maxConcurrentStreams: 8,
    maxStreamResets: 50,
    handshakeTimeoutMs: 1000,
    idleTimeoutMs: 120_000,
    requestTimeoutMs: 3000,
  });
  const text = { AGGREGATOR_TEXT_CONFIGURATION: "" };
  rejects(
    { ...text, AGGREGATOR_MAX_CONCURRENT_STREAMS: "0" },
    "AGGREGATOR_MAX_CONCURRENT_STREAMS",
    /./,
  );
  rejects({ ...text, AGGREGATOR_IDLE_TIMEOUT: "5" }, "AGGREGATOR_IDLE_TIMEOUT", /duration/);
});

Deno.test("an unknown key in a JSON variable is refused with the nearest known key", () => {
  rejects(
    { [DATADOG]: `{"api_key":"k","sit":"datadoghq.eu"}` },
    DATADOG,
    /unknown key "sit"; did you mean "site"\?/,
  );
  rejects(
    { [INFLUXDB]: `{"address":"http://x:8086","database":"m","pasword":"p"}` },
    INFLUXDB,
    /unknown key "pasword"; did you mean "password"\?/,
  );
  rejects(
    { [PROMETHEUS]: `{"url":"http://p:9090/api/v1/write","Labels":{}}` },
    PROMETHEUS,
    /unknown key "Labels"; did you mean "labels"\?/,
  );
  rejects(
    {
      AGGREGATOR_TEXT_CONFIGURATION: "",
      AGGREGATOR_NOTIFY_CONFIGURATION: `{"integration_key":"k","colour":"red"}`,
    },
    "AGGREGATOR_NOTIFY_CONFIGURATION",
    /unknown key "colour" \(known keys: integration_key, incident_key, identifier, url\)/,
  );
});

Deno.test("each bad Prometheus value names the variable and the key", () => {
  const url = `"url":"http://127.0.0.1:9090/api/v1/write"`;
  rejects({ [PROMETHEUS]: `{}` }, PROMETHEUS, /key "url" is required/);
  rejects({ [PROMETHEUS]: `{"url":"prometheus:9090"}` }, PROMETHEUS, /key "url".*http\(s\) URL/);
  rejects({ [PROMETHEUS]: `{"url":"http://u:p@x/api/v1/write"}` }, PROMETHEUS, /credentials/);
  rejects({ [PROMETHEUS]: `{${url},"timeout":"5"}` }, `${PROMETHEUS} key "timeout"`, /duration/);
  rejects(
    { [PROMETHEUS]: `{${url},"retry_count":"-1"}` },
    `${PROMETHEUS} key "retry_count"`,
    /whole number/,
  );
  rejects({ [PROMETHEUS]: `{${url},"basic_auth":"u:p"}` }, PROMETHEUS, /key "basic_auth" must/);
  rejects(
    { [PROMETHEUS]: `{${url},"basic_auth":{"password":"p"}}` },
    PROMETHEUS,
    /key "basic_auth" must/,
  );
  rejects(
    { [PROMETHEUS]: `{${url},"basic_auth":{"username":"u","password":"p"},"bearer_token":"t"}` },
    PROMETHEUS,
    /"basic_auth" and "bearer_token" exclude each other/,
  );
  rejects({ [PROMETHEUS]: `{${url},"bearer_token":{}}` }, PROMETHEUS, /"bearer_token" must be/);
  rejects({ [PROMETHEUS]: `{${url},"labels":["a"]}` }, PROMETHEUS, /key "labels" must be/);
  rejects({ [PROMETHEUS]: `{${url},"labels":{"a-b":"x"}}` }, PROMETHEUS, /"a-b" is not a label/);
  rejects({ [PROMETHEUS]: `{${url},"labels":{"__name__":"x"}}` }, PROMETHEUS, /not a label/);
  rejects({ [PROMETHEUS]: `{${url},"labels":{"Region":"x"}}` }, PROMETHEUS, /not a label/);
  rejects({ [PROMETHEUS]: `{${url},"labels":{"service":"x"}}` }, PROMETHEUS, /is a point tag/);
  rejects({ [PROMETHEUS]: `{${url},"labels":{"region":3}}` }, PROMETHEUS, /"region" must be/);
});

Deno.test("a Datadog validate_key that is not a boolean is refused", () => {
  rejects(
    { [DATADOG]: `{"api_key":"k","validate_key":"yes"}` },
    DATADOG,
    /"validate_key" must be true or false/,
  );
});
