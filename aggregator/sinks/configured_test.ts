/**
 * Tests of which sinks the configuration builds, and in what order.
 *
 * @module
 */
import assert from "node:assert/strict";
import { envFrom } from "../../shared/config/mod.ts";
import { configuredSinks } from "./registry.ts";
import { createSinks } from "./configured.ts";

const counters = { count: () => {} };

Deno.test("every configured destination gets a sink, in a fixed order", () => {
  const configured = configuredSinks(envFrom({
    AGGREGATOR_TEXT_CONFIGURATION: "",
    AGGREGATOR_INFLUXDB_CONFIGURATION: '{"address":"http://127.0.0.1:8086","database":"m"}',
    AGGREGATOR_DATADOG_CONFIGURATION: '{"api_key":"k"}',
    AGGREGATOR_PROMETHEUS_CONFIGURATION: '{"url":"http://127.0.0.1:9090/api/v1/write"}',
  }));
  assert.deepEqual(createSinks(configured, counters).sinks.map((sink) => sink.name), [
    "datadog",
    "influxdb",
    "prometheus",
    "stdout",
  ]);
});

Deno.test("only the configured destinations get sinks", () => {
  const configured = configuredSinks(envFrom({
    AGGREGATOR_INFLUXDB_CONFIGURATION: '{"address":"http://127.0.0.1:8086","database":"m"}',
  }));
  assert.deepEqual(createSinks(configured, counters).sinks.map((sink) => sink.name), [
    "influxdb",
  ]);
});
