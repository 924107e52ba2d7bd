import assert from "node:assert/strict";
import { envFrom } from "../shared/config/mod.ts";
import { aggregatorConfig } from "./config/mod.ts";
import { isLoopback, startupReport } from "./startup_report.ts";

Deno.test("only loopback hosts count as loopback", () => {
  assert.ok(isLoopback("127.0.0.1") && isLoopback("127.1.2.3") && isLoopback("[::1]"));
  assert.ok(isLoopback("localhost"));
  assert.ok(!isLoopback("0.0.0.0") && !isLoopback("[::]") && !isLoopback("10.0.0.5"));
});

Deno.test("the report names each destination and never a secret", () => {
  const { lines } = startupReport(aggregatorConfig(envFrom({
    AGGREGATOR_INFLUXDB_CONFIGURATION: JSON.stringify({
      address: "http://influx:8086",
      token: "tok-SECRET",
      org: "o",
      bucket: "b",
    }),
    AGGREGATOR_PROMETHEUS_CONFIGURATION: JSON.stringify({
      url: "http://prom:9090/api/v1/write",
      bearer_token: "bearer-SECRET",
      labels: { region: "eu" },
    }),
  })));
  const text = lines.join("\n");
  assert.ok(!text.includes("SECRET"), text);
  assert.match(text, /sink influxdb: http:\/\/influx:8086\/ \(bucket b of org o, token set/);
  assert.match(
    text,
    /sink prometheus: http:\/\/prom:9090\/api\/v1\/write \(bearer token set, labels region/,
  );
  assert.match(text, /^spool: \/var\/lib\/mini-collector\/spool\/spool\.sqlite/m);
});

Deno.test("cleartext on a non-loopback address is warned about; TLS or loopback is not", () => {
  const report = (env: Record<string, string>) =>
    startupReport(aggregatorConfig(envFrom({ AGGREGATOR_TEXT_CONFIGURATION: "", ...env })));
  assert.deepEqual(report({ AGGREGATOR_LISTEN_ADDRESS: "127.0.0.1:8000" }).warnings, []);
  const defaults = report({}).warnings;
  assert.equal(defaults.length, 1);
  assert.match(
    defaults[0],
    /^gRPC\/Connect listener 0\.0\.0\.0:8000 serves cleartext on all interfaces/,
  );
  const connect = report({
    AGGREGATOR_LISTEN_ADDRESS: "127.0.0.1:8000",
    AGGREGATOR_CONNECT_LISTEN_ADDRESS: "10.1.2.3:8001",
  }).warnings;
  assert.match(
    connect[0],
    /^Connect listener 10\.1\.2\.3:8001 serves cleartext on a non-loopback address/,
  );
});
