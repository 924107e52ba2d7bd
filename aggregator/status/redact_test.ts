import assert from "node:assert/strict";
import { aggregatorConfig } from "../config/mod.ts";
import { configSecrets, MAX_ERROR_CHARS, redact } from "./redact.ts";

Deno.test("every configured secret and any URL credentials are masked in error texts", () => {
  const config = aggregatorConfig((name) =>
    ({
      AGGREGATOR_DATADOG_CONFIGURATION: '{"api_key":"dd-key-1"}',
      AGGREGATOR_INFLUXDB_CONFIGURATION:
        '{"address":"http://influx:8086","username":"u","password":"pw-2","database":"m"}',
      AGGREGATOR_PROMETHEUS_CONFIGURATION:
        '{"url":"http://prom:9090/api/v1/write","bearer_token":"tok-3"}',
      AGGREGATOR_NOTIFY_CONFIGURATION:
        '{"integration_key":"pd-4","incident_key":"loss","identifier":"a1"}',
    })[name]
  );
  const secrets = configSecrets(config);
  for (const secret of ["dd-key-1", "pw-2", "tok-3", "pd-4", btoa("u:pw-2")]) {
    assert.ok(secrets.includes(secret), secret);
  }
  assert.equal(
    redact(`key dd-key-1 refused; Basic ${btoa("u:pw-2")}; see https://me:x@host/a`, secrets),
    "key *** refused; Basic ***; see https://***@host/a",
  );
  assert.equal(redact("x".repeat(MAX_ERROR_CHARS + 10), []).length, MAX_ERROR_CHARS + 1);
});
