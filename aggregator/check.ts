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
import type { AggregatorConfig } from "./config/mod.ts";
import { plural } from "../shared/plural.ts";
import { PROBE_TIMEOUT_MS, type ProbeResult, reachable } from "./sinks/mod.ts";
import { Spool } from "./spool/mod.ts";
import { describeAddress, tryBinding } from "./listen_addresses.ts";
import { startupFailure } from "./startup_failure.ts";
import { startupReport } from "./startup_report.ts";

export async function checkAggregator(
  config: AggregatorConfig,
  print: (line: string) => void,
): Promise<boolean> {
  const report = startupReport(config);
  print("configuration: valid");
  for (const line of report.lines) print(`  ${line}`);
  for (const warning of report.warnings) print(`WARN ${warning}`);
  const checks: [string, Promise<ProbeResult>][] = [
    ...listenChecks(config).map((check): [string, Promise<ProbeResult>] => [
      "listen",
      Promise.resolve(check),
    ]),
    ["spool", Promise.resolve(spoolCheck(config))],
  ];
  for (const { name, probe } of config.sinks) {
    if (probe) checks.push([name, probe(PROBE_TIMEOUT_MS)]);
  }
  if (config.notify) checks.push(["pagerduty", reachable(config.notify.url, PROBE_TIMEOUT_MS)]);
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
function listenChecks(config: AggregatorConfig): ProbeResult[] {
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

function spoolCheck(config: AggregatorConfig): ProbeResult {
  const counters = { count: () => {} };
  const spool = new Spool({
    directory: config.spoolPath,
    maxBytes: config.spoolMaxBytes,
    sinks: config.sinks.map((sink) => sink.name),
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
