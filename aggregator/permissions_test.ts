import assert from "node:assert/strict";
import { envFrom } from "../shared/config/mod.ts";
import { programFlags } from "../shared/permissions/mod.ts";
import { AGGREGATOR_PERMISSIONS } from "./permissions.ts";

Deno.test("aggregator flags: its listener, its destinations and its spool, nothing else", () => {
  const flags = programFlags(
    AGGREGATOR_PERMISSIONS,
    envFrom({
      AGGREGATOR_DATADOG_CONFIGURATION: `{"api_key":"k"}`,
      AGGREGATOR_INFLUXDB_CONFIGURATION: `{"address":"http://influx:8086","database":"m"}`,
      AGGREGATOR_PROMETHEUS_CONFIGURATION: `{"url":"https://prom.example:9443/api/v1/write"}`,
      AGGREGATOR_SPOOL_PATH: "/var/lib/aggregator",
    }),
  );
  assert.deepEqual(flags.slice(0, -1), [
    "--no-prompt",
    "--allow-net=0.0.0.0:8000,127.0.0.1:8000,api.datadoghq.com:443,influx:8086," +
    "prom.example:9443",
    "--allow-read=/var/lib/aggregator",
    "--allow-write=/var/lib/aggregator",
    "--allow-env=AGGREGATOR_*,MINI_COLLECTOR_DEBUG",
  ]);
  for (const flag of flags) assert.doesNotMatch(flag, /^(-A|--allow-all|--allow-run)/);
});

Deno.test("aggregator flags: the metrics listener, on its own address and on loopback", () => {
  const net = (metrics: string) =>
    programFlags(
      AGGREGATOR_PERMISSIONS,
      envFrom({
        AGGREGATOR_TEXT_CONFIGURATION: "",
        AGGREGATOR_LISTEN_ADDRESS: "127.0.0.1:8000",
        AGGREGATOR_METRICS_LISTEN_ADDRESS: metrics,
      }),
    ).find((flag) => flag.startsWith("--allow-net="));
  assert.equal(net("127.0.0.1:9090"), "--allow-net=127.0.0.1:8000,127.0.0.1:9090");
  assert.equal(net("0.0.0.0:9090"), "--allow-net=127.0.0.1:8000,0.0.0.0:9090,127.0.0.1:9090");
});
