/**
 * `deno task bench`: measures the collector's overhead, the aggregator's
 * ingest, its sustained delivery, the delivery encodings and the end-to-end
 * latency on this machine, prints one JSON document and writes it to
 * .bench/results.json. Arguments name the sections to run (collector, hostmode,
 * sample, latency, ingest, delivery, encoding, status); none runs all.
 * `--baseline=DIR` runs the collectors of another checkout (DIR) side by side
 * with this one's in the collector section. BENCHMARKS.md explains the figures.
 */
import { measureCollectors } from "./collector_overhead.ts";
import { measureDelivery } from "./delivery.ts";
import { measureEncoding } from "./encoding.ts";
import { measureHostMode } from "./host_mode.ts";
import { measureIngest } from "./ingest.ts";
import { measureLatency } from "./latency.ts";
import { measureSample } from "./micro.ts";
import { measureStatusRing } from "./status_ring.ts";

const OUTPUT = new URL("../.bench/results.json", import.meta.url).pathname;
const SECTIONS = [
  "collector",
  "hostmode",
  "sample",
  "latency",
  "ingest",
  "delivery",
  "encoding",
  "status",
] as const;

/** `--baseline=DIR`: a checkout whose collectors run side by side in the collector section. */
const baseline = Deno.args.find((arg) => arg.startsWith("--baseline="))?.slice(
  "--baseline=".length,
);
const names = Deno.args.filter((arg) => !arg.startsWith("--baseline="));
const chosen = names.length ? names : SECTIONS;
const unknown = chosen.filter((name) => !(SECTIONS as readonly string[]).includes(name));
if (unknown.length) {
  console.error(`unknown section ${unknown.join(", ")}; sections: ${SECTIONS.join(", ")}`);
  Deno.exit(2);
}
const wanted = (name: typeof SECTIONS[number]) => chosen.includes(name);
const progress = (text: string) => console.error(`bench: ${text}`);

const results: Record<string, unknown> = {
  startedAt: new Date().toISOString(),
  machine: await machine(),
};
if (wanted("encoding")) {
  progress("delivery encoding");
  results.encoding = measureEncoding(25);
}
if (wanted("status")) {
  progress("status page memory at 10,000 containers");
  results.statusRing = await measureStatusRing(5);
}
if (wanted("sample")) {
  progress("one collector sample (deno bench)");
  results.collectorSample = await measureSample(3);
}
if (wanted("collector")) {
  progress(`collector overhead (3 windows of 30 s${baseline ? `, beside ${baseline}` : ""})`);
  results.collector = await measureCollectors({ seconds: 30, windows: 3, collectors: 3, baseline });
}
if (wanted("hostmode")) {
  progress("host mode against netdata (10, 50, 100, 200 containers; ~1.5 min each)");
  results.hostMode = await measureHostMode({
    counts: [10, 50, 100, 200],
    sidecarsUpTo: 10,
    seconds: 20,
    windows: 3,
  });
}
if (wanted("latency")) {
  progress("end-to-end latency (40 s)");
  results.latency = await measureLatency(40);
}
if (wanted("ingest")) {
  progress("aggregator ingest (h2load)");
  results.ingest = await measureIngest({ runs: 3, requests: 4000, batchRequests: 1000 });
}
if (wanted("delivery")) {
  progress("sustained delivery into VictoriaMetrics (60 s per rate)");
  results.delivery = await measureDelivery({
    seconds: 60,
    rates: [11_000, 16_000, 22_000, 30_000, 40_000, 50_000],
  });
}
results.finishedAt = new Date().toISOString();
results.loadAverageAtEnd = (await sh("cut -d' ' -f1-3 /proc/loadavg")).trim();

const json = JSON.stringify(results, null, 2);
await Deno.mkdir(new URL(".", `file://${OUTPUT}`), { recursive: true });
await Deno.writeTextFile(OUTPUT, json + "\n");
console.log(json);
progress(`written to ${OUTPUT}`);

async function machine(): Promise<Record<string, string>> {
  return {
    cpus: (await sh("nproc")).trim(),
    model: (await sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")).trim(),
    memory: (await sh("grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2-3")).trim(),
    kernel: (await sh("uname -r")).trim(),
    deno: Deno.version.deno,
    loadAverageAtStart: (await sh("cut -d' ' -f1-3 /proc/loadavg")).trim(),
  };
}

async function sh(script: string): Promise<string> {
  const output = await new Deno.Command("sh", { args: ["-c", script], stdout: "piped" }).output();
  return new TextDecoder().decode(output.stdout);
}
