/**
 * `--check`: with the configuration already validated (a bad one exits 2
 * before this runs), prints the effective configuration, binds each listen
 * address for a moment (a port another process holds fails), opens the spool,
 * probes each destination — Datadog's key validation, InfluxDB's `/ping`,
 * any HTTP answer from the Prometheus and PagerDuty endpoints — and prints one
 * plain line per check. No point is sent and no alert raised. True when every
 * check passed.
 *
 * @module
 */
import type { AggregatorConfig } from "../shared/config/mod.ts";
import { plural } from "../shared/plural.ts";
import { checkDatadogKey, type KeyCheck } from "./sinks/datadog/validate_key.ts";
import { createSinks } from "./sinks/mod.ts";
import { Spool } from "./spool/mod.ts";
import { describeAddress, tryBinding } from "./listen_addresses.ts";
import { startupFailure } from "./startup_failure.ts";
import { startupReport } from "./startup_report.ts";

const PROBE_TIMEOUT_MS = 10_000;

export async function checkAggregator(
  config: AggregatorConfig,
  print: (line: string) => void,
): Promise<boolean> {
  const report = startupReport(config);
  print("configuration: valid");
  for (const line of report.lines) print(`  ${line}`);
  for (const warning of report.warnings) print(`WARN ${warning}`);
  const checks: [string, Promise<KeyCheck>][] = [
    ...listenChecks(config).map((check): [string, Promise<KeyCheck>] => [
      "listen",
      Promise.resolve(check),
    ]),
    ["spool", Promise.resolve(spoolCheck(config))],
  ];
  if (config.datadog) checks.push(["datadog", checkDatadogKey(config.datadog, PROBE_TIMEOUT_MS)]);
  if (config.influxdb) {
    const ping = new URL(config.influxdb.address);
    ping.pathname = ping.pathname.replace(/\/+$/, "") + "/ping";
    checks.push(["influxdb", reachable(ping)]);
  }
  if (config.prometheus) checks.push(["prometheus", reachable(config.prometheus.url)]);
  if (config.notify) checks.push(["pagerduty", reachable(config.notify.url)]);
  let failed = 0;
  for (const [name, check] of checks) {
    const { ok, message } = await check;
    if (!ok) failed++;
    print(`${ok ? "OK  " : "FAIL"} ${name}: ${message}`);
  }
  print(
    failed === 0
      ? `check passed: ${plural(checks.length, "check")}`
      : `check failed: ${failed} of ${plural(checks.length, "check")} failed`,
  );
  return failed === 0;
}

/** One check per listen address: bound for a moment and released, or what stands in the way. */
function listenChecks(config: AggregatorConfig): KeyCheck[] {
  try {
    return tryBinding(config).map(({ entry, problem }) => ({
      ok: problem === undefined,
      message: `${describeAddress(entry)} ${BIND_PROBLEMS[problem ?? "none"]}`,
    }));
  } catch (error) {
    return [{ ok: false, message: startupFailure(error, config) }];
  }
}

const BIND_PROBLEMS = {
  none: "is free",
  "in use": "is already in use by another process",
  "not here": "is not an address of this machine",
};

function spoolCheck(config: AggregatorConfig): KeyCheck {
  const counters = { count: () => {} };
  const spool = new Spool({
    directory: config.spoolPath,
    maxBytes: config.spoolMaxBytes,
    sinks: createSinks(config, counters).sinks.map((sink) => sink.name),
    counters,
  });
  try {
    spool.open();
    const waiting = Object.entries(spool.backlog()).map(([sink, points]) => `${sink} ${points}`);
    return {
      ok: true,
      message: `${spool.path} opens for writing; points waiting: ${waiting.join(", ")}`,
    };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  } finally {
    void spool.close();
  }
}

/** Any HTTP answer counts: the probe checks the network path, not what the endpoint accepts. */
async function reachable(url: URL): Promise<KeyCheck> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
    return { ok: true, message: `${url.href} ${answered(response.status)}` };
  } catch (error) {
    return { ok: false, message: `cannot reach ${url.href}: ${(error as Error).message}` };
  }
}

/** What an HTTP status means for a probe that sends no points and no credentials. */
function answered(status: number): string {
  if (status < 400) return `answered HTTP ${status}`;
  if (status < 500) {
    return `is reachable: it answered HTTP ${status}, as a live endpoint answers a probe that ` +
      `carries no points and no credentials`;
  }
  return `is reachable but answered HTTP ${status}, a server error: deliveries will be retried ` +
    `until it recovers`;
}
