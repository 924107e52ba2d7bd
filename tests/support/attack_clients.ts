/**
 * Hostile clients and the health check of the attack suite: the frame-level
 * HTTP/2 attacker (tests/support/attack_h2.py on the Debian python3-hpack),
 * curl with hand-made bodies and encodings, and the proof after each attack —
 * the process is alive, a normal Publish answers within a second, and its
 * peak resident memory (VmHWM). On a mutual-TLS listener the normal Publish
 * is curl over TLS with the trusted client certificate (`ClientFiles`).
 */
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import { PublishRequestSchema } from "../../shared/gen/aggregator_pb.ts";
import { AggregatorProcess } from "./aggregator.ts";
import { processMemory } from "./process_memory.ts";
import { textTable } from "./text_table.ts";
import { deadline } from "../../shared/async/mod.ts";

const ATTACKER = new URL("./attack_h2.py", import.meta.url).pathname;
const TAGS = ["environment: attack", "service: s", "container: c", "host_name: h"];

/** Runs one attack_h2.py mode against `port`; its JSON report. */
export async function frameAttack(
  mode: string,
  port: number,
  count: number,
): Promise<Record<string, unknown>> {
  const output = await new Deno.Command("/usr/bin/python3", {
    args: [ATTACKER, mode, String(port), String(count)],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const text = new TextDecoder().decode(output.stdout).trim();
  if (!output.success || !text) {
    throw new Error(`attack_h2.py ${mode} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  return JSON.parse(text);
}

export interface CurlResult {
  status: number;
  /** curl's exit code: 28 means it gave up at --max-time. */
  exitCode: number;
  /** The call's duration as curl measured it (not this process, which may be busy attacking). */
  ms: number;
  body: string;
}

/** The CA to trust and the client certificate and key to present, as files (mutual TLS). */
export interface ClientFiles {
  ca: string;
  cert: string;
  key: string;
}

/**
 * A Connect Publish by curl over HTTP/2 with `body` and extra headers: in
 * cleartext with prior knowledge, or over mutual TLS with `tls`.
 */
export async function curlPost(
  port: number,
  directory: string,
  body: Uint8Array,
  headers: string[] = [],
  maxSeconds = 10,
  tls?: ClientFiles,
): Promise<CurlResult> {
  const file = `${directory}/attack-body`;
  await Deno.writeFile(file, body);
  const args = ["--silent", "--max-time", String(maxSeconds)];
  if (tls) args.push("--http2", "--cacert", tls.ca, "--cert", tls.cert, "--key", tls.key);
  else args.push("--http2-prior-knowledge");
  for (const header of [...TAGS, "content-type: application/proto", ...headers]) {
    args.push("-H", header);
  }
  args.push("--data-binary", `@${file}`, "--write-out", "\n%{time_total} %{http_code}");
  const output = await new Deno.Command("curl", {
    args: [...args, `${tls ? "https" : "http"}://127.0.0.1:${port}/Aggregator/Publish`],
    stdout: "piped",
    stderr: "null",
  }).output();
  const lines = new TextDecoder().decode(output.stdout).split("\n");
  const [seconds, status] = lines.pop()!.split(" ").map(Number);
  return {
    status,
    exitCode: output.code,
    ms: Math.round(seconds * 1000),
    body: lines.join("\n"),
  };
}

/** `size` zero bytes compressed as a request body for `encoding`. */
export function bomb(encoding: "br" | "gzip", size: number): Uint8Array {
  const zeros = new Uint8Array(size);
  return encoding === "br"
    ? brotliCompressSync(zeros, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } })
    : gzipSync(zeros, { level: 9 });
}

export interface Health {
  alive: boolean;
  /** A normal Publish by curl: HTTP status and milliseconds. */
  publishStatus: number;
  publishMs: number;
  peakMib: number;
}

/** Whether the aggregator survived: alive, answering a normal Publish, its memory peak. */
export async function health(aggregator: AggregatorProcess, tls?: ClientFiles): Promise<Health> {
  const pid = aggregator.pid;
  const memory = pid === undefined ? undefined : await processMemory(pid);
  const request = create(PublishRequestSchema, { unixTime: BigInt(Math.floor(Date.now() / 1000)) });
  const body = toBinary(PublishRequestSchema, request);
  const publish = await curlPost(aggregator.port, aggregator.directory, body, [], 5, tls);
  return {
    alive: memory !== undefined && aggregator.pid === pid,
    publishStatus: publish.status,
    publishMs: publish.ms,
    peakMib: Math.round(memory?.peakMib ?? NaN),
  };
}

/**
 * Runs h2load against GET /healthz, `streams` at once per client; how many
 * requests succeeded and failed.
 */
export async function h2load(
  port: number,
  clients: number,
  requests: number,
  streams = 1,
): Promise<{ succeeded: number; failed: number }> {
  const output = await new Deno.Command("h2load", {
    args: [
      ...["-c", String(clients), "-m", String(streams), "-n", String(requests)],
      `http://127.0.0.1:${port}/healthz`,
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  const match = text.match(
    /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/,
  );
  if (!match) throw new Error(`h2load printed no request counts:\n${text}`);
  return { succeeded: Number(match[1]), failed: Number(match[2]) };
}

export interface AttackRow {
  scenario: string;
  result: "pass" | "FAIL";
  peakMib: number;
  publishMs: number;
  notes: string;
}

/** The rows as an aligned text table. */
export function attackTable(rows: AttackRow[]): string {
  const header = ["scenario", "result", "peak MiB", "publish ms", "notes"];
  const cells = rows.map((row) => [
    row.scenario,
    row.result,
    String(row.peakMib),
    String(row.publishMs),
    row.notes,
  ]);
  return textTable(header, cells);
}

/** What a normal Publish on another connection saw while an attack ran. */
export interface Probed<T> {
  report: T;
  /** The slowest probe, ms; a failed probe counts as Infinity. */
  slowestMs: number;
  probes: number;
}

/**
 * Runs `attack` and, until it ends, a normal Publish on a fresh connection
 * every `everyMs`: the attack's report and the slowest answer.
 */
export async function probedDuring<T>(
  aggregator: AggregatorProcess,
  attack: Promise<T>,
  tls?: ClientFiles,
  everyMs = 250,
): Promise<Probed<T>> {
  let done = false;
  const finished = attack.finally(() => done = true);
  let slowestMs = 0;
  let probes = 0;
  const request = create(PublishRequestSchema, { unixTime: BigInt(Math.floor(Date.now() / 1000)) });
  const body = toBinary(PublishRequestSchema, request);
  while (!done) {
    const publish = await curlPost(aggregator.port, aggregator.directory, body, [], 5, tls);
    probes++;
    slowestMs = Math.max(slowestMs, publish.status === 200 ? publish.ms : Infinity);
    await deadline(finished.catch(() => {}), everyMs, () => {});
  }
  return { report: await finished, slowestMs, probes };
}
