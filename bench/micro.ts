/**
 * The sample micro-benchmark (sample_bench.ts) run by `deno bench --json`
 * under the permissions it needs: read the fixtures, statfs. Several
 * `deno bench` runs give the median and spread of the per-run averages.
 */
import { summarize, type Summary } from "./stats.ts";

const BENCH = new URL("./sample_bench.ts", import.meta.url).pathname;
const FIXTURES = new URL("../tests/fixtures/cgroup/", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;

export interface SampleResult {
  what: string;
  sampleUs: Summary;
  /** Iterations per `deno bench` run, as Deno.bench chose them. */
  iterations: number;
}

export async function measureSample(runs: number): Promise<SampleResult> {
  const averages: number[] = [];
  let iterations = 0;
  for (let run = 0; run < runs; run++) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "bench",
        "--json",
        "--quiet",
        "--config",
        CONFIG,
        `--allow-read=${FIXTURES}`,
        "--allow-sys=statfs",
        BENCH,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    if (!output.success) throw new Error(`deno bench failed: ${text.decode(output.stderr)}`);
    const report = JSON.parse(text.decode(output.stdout));
    const result = report.benches[0].results[0].ok;
    averages.push(result.avg / 1000);
    iterations = result.n;
  }
  return {
    what: "Deno.bench of bench/sample_bench.ts: one sample of the hybrid-systemd fixture " +
      "through CgroupSampler and PointSampler (PublishRequest built), back to back",
    sampleUs: summarize(averages, 1),
    iterations,
  };
}
