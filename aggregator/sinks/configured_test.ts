/**
 * Tests of which sinks the configuration builds, and in what order.
 *
 * @module
 */
import assert from "node:assert/strict";
import { aggregatorConfig, envFrom } from "../../shared/config/mod.ts";
import { createSinks } from "./configured.ts";

const counters = { count: () => {} };

Deno.test("every configured destination gets a sink, in a fixed order", () => {
  const config = aggregatorConfig(envFrom({
    AGGREGATOR_TEXT_CONFIGURATION: "",
    AGGREGATOR_INFLUXDB_CONFIGURATION: '{"address":"http://127.0.0.1:8086","database":"m"}',
    AGGREGATOR_DATADOG_CONFIGURATION: '{"api_key":"k"}',
    AGGREGATOR_PROMETHEUS_CONFIGURATION: '{"url":"http://127.0.0.1:9090/api/v1/write"}',
    AGGREGATOR_NOTIFY_CONFIGURATION: '{"integration_key":"r"}',
  }));
  assert.deepEqual(createSinks(config, counters).sinks.map((sink) => sink.name), [
    "datadog",
    "influxdb",
    "prometheus",
    "stdout",
  ]);
});

Deno.test("only the configured destinations get sinks", () => {
  const config = aggregatorConfig(envFrom({
    AGGREGATOR_INFLUXDB_CONFIGURATION: '{"address":"http://127.0.0.1:8086","database":"m"}',
  }));
  assert.deepEqual(createSinks(config, counters).sinks.map((sink) => sink.name), ["influxdb"]);
});
