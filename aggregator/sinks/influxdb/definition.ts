/**
 * The InfluxDB sink's registry entry: on with `AGGREGATOR_INFLUXDB_CONFIGURATION`,
 * probed under `--check` at its `/ping` endpoint.
 *
 * @module
 */
import { formatDuration } from "../../../shared/duration.ts";
import { defineSink } from "../definition.ts";
import { basicCredentials } from "../http/basic_auth.ts";
import { reachable } from "../http/probe.ts";
import {
  INFLUXDB_EXAMPLE,
  INFLUXDB_VARIABLE,
  type InfluxdbConfig,
  influxdbConfig,
} from "./config.ts";
import { InfluxdbSink } from "./sink.ts";

export const INFLUXDB = defineSink({
  name: "influxdb",
  variable: INFLUXDB_VARIABLE,
  example: INFLUXDB_EXAMPLE,
  parse: influxdbConfig,
  destinations: (influxdb) => [influxdb.address],
  secrets: (influxdb) => [
    influxdb.username !== undefined
      ? basicCredentials(influxdb.username, influxdb.password ?? "")
      : undefined,
    influxdb.password,
    influxdb.token,
  ],
  create: (influxdb, options) => new InfluxdbSink(influxdb, options),
  describe: (influxdb) =>
    `${influxdb.address.href} (${target(influxdb)}, timeout ${
      formatDuration(influxdb.timeoutMs)
    }, ${influxdb.retryCount} retries)`,
  probe: (influxdb, timeoutMs) => {
    const ping = new URL(influxdb.address);
    ping.pathname = ping.pathname.replace(/\/+$/, "") + "/ping";
    return reachable(ping, timeoutMs);
  },
});

/** The bucket (InfluxDB 2) or database (InfluxDB 1) written to, and how it authenticates. */
function target(influxdb: InfluxdbConfig): string {
  if (influxdb.token) {
    return `bucket ${influxdb.bucket}${influxdb.org ? ` of org ${influxdb.org}` : ""}, token set`;
  }
  return `database ${influxdb.database}, ${
    influxdb.username === undefined
      ? "no credentials"
      : `basic auth as ${influxdb.username}, password set`
  }`;
}
