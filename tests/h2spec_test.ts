/**
 * The public HTTP/2 conformance suite h2spec 2.6.0 against the real
 * aggregator's cleartext listener, in its default and its strict (-S) runs:
 * every case must pass. The static build lives beside the repository at
 * ../shared/tools/h2spec; without it this test says so and skips, except in
 * CI (CI=true), where a missing build is a failure.
 */
import assert from "node:assert/strict";
import { AggregatorProcess } from "./support/aggregator.ts";
import { ROOT } from "./support/repository.ts";

const H2SPEC = new URL("../shared/tools/h2spec", ROOT).pathname;

function h2specPresent(): boolean {
  try {
    return Deno.statSync(H2SPEC).isFile;
  } catch {
    return false;
  }
}

interface H2specRun {
  total: number;
  /** Each failed case as "package: title", e.g. "generic/3.5: Sends a SETTINGS frame". */
  failed: string[];
}

async function h2spec(port: number, strict: boolean, directory: string): Promise<H2specRun> {
  const report = `${directory}/h2spec${strict ? "-strict" : ""}.xml`;
  const args = ["-h", "127.0.0.1", "-p", String(port), "-P", "/healthz", "-o", "5", "-j", report];
  await new Deno.Command(H2SPEC, {
    args: strict ? [...args, "-S"] : args,
    stdout: "null",
    stderr: "null",
    signal: AbortSignal.timeout(300_000),
  }).output();
  const xml = await Deno.readTextFile(report);
  const cases = [
    ...xml.matchAll(
      /<testcase package="([^"]*)" classname="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g,
    ),
  ];
  if (!cases.length) throw new Error(`h2spec wrote no test cases to ${report}`);
  return {
    total: cases.length,
    failed: cases
      .filter((match) => /<(failure|error)/.test(match[4] ?? ""))
      .map((match) => `${match[1]}: ${match[2].replaceAll("&#34;", '"')}`),
  };
}

Deno.test({
  name: "h2spec against the cleartext listener, default and strict: every case passes",
  ignore: !h2specPresent() && Deno.env.get("CI") !== "true" &&
    (console.warn(`h2spec skipped: no static build at ${H2SPEC}`), true),
  async fn() {
    assert.ok(h2specPresent(), `no static build of h2spec at ${H2SPEC}`);
    await using aggregator = await AggregatorProcess.start();
    for (const strict of [false, true]) {
      const run = await h2spec(aggregator.port, strict, aggregator.directory);
      console.log(
        `h2spec${strict ? " -S" : ""}: ${run.total - run.failed.length}/${run.total} passed` +
          (run.failed.length ? `; failed: ${run.failed.join("; ")}` : ""),
      );
      assert.deepEqual(run.failed, []);
    }
  },
});
