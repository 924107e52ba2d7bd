/**
 * A mutation fuzzer against the real aggregator's cleartext listener: at
 * least FUZZ_CONNECTIONS connections, each a well-formed HTTP/2 session with
 * one to four random mutations (tests/support/h2_mutator.ts), sent
 * CONCURRENCY at a time within a time bound. Every connection must end (the
 * server closes it, or it is quiet and the fuzzer closes it), the process must
 * never exit, it must log nothing beyond its start-up lines, and a normal
 * Publish must be answered afterwards. The seed is printed; set
 * H2_FUZZ_SEED to replay a run.
 */
import assert from "node:assert/strict";
import { AggregatorProcess } from "./support/aggregator.ts";
import { health } from "./support/attack_clients.ts";
import { H2Mutator } from "./support/h2_mutator.ts";

const FUZZ_CONNECTIONS = 5_000;
const CONCURRENCY = 32;
/** The whole run must end within this. */
const TIME_BOUND_MS = 60_000;
/** A connection the server neither answers nor closes is let go after this much quiet. */
const QUIET_MS = 100;

/** Reads what the server answers until it closes or goes quiet; true if it closed. */
async function drain(conn: Deno.Conn): Promise<boolean> {
  const buffer = new Uint8Array(64 * 1024);
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const quiet = new Promise<"quiet">((resolve) =>
      timer = setTimeout(() => resolve("quiet"), QUIET_MS)
    );
    try {
      const read = await Promise.race([conn.read(buffer), quiet]);
      if (read === "quiet") return false;
      if (read === null) return true;
    } catch {
      return true; // reset by the server
    } finally {
      clearTimeout(timer);
    }
  }
}

async function fuzzOne(port: number, writes: Uint8Array[]): Promise<boolean> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    for (const bytes of writes) await conn.write(bytes);
  } catch {
    // The server closed the connection before all of it was written.
  }
  const closed = await drain(conn);
  try {
    conn.close();
  } catch {
    // A failed read closed it.
  }
  return closed;
}

Deno.test("5,000 mutated HTTP/2 connections: no crash, no unexpected log line", async () => {
  const seed = Number(Deno.env.get("H2_FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 32));
  console.log(`fuzz seed ${seed} (replay with H2_FUZZ_SEED=${seed})`);
  await using aggregator = await AggregatorProcess.start();
  const pid = aggregator.pid;
  const startup = aggregator.stderr;
  const mutator = new H2Mutator(seed);
  const started = performance.now();
  let sent = 0;
  let closedByServer = 0;
  let current = "";
  const worker = async () => {
    while (sent < FUZZ_CONNECTIONS && performance.now() - started < TIME_BOUND_MS) {
      const fuzzCase = mutator.next();
      const number = ++sent;
      current = `connection ${number}: ${fuzzCase.description}`;
      if (await fuzzOne(aggregator.port, fuzzCase.writes)) closedByServer++;
      assert.equal(aggregator.pid, pid, `the aggregator exited at ${current} (seed ${seed})`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${sent} connections in ${seconds.toFixed(1)} s, ${closedByServer} closed by the server, ` +
      `${aggregator.lines.length} points stored`,
  );
  assert.equal(sent, FUZZ_CONNECTIONS, `only ${sent} connections within ${TIME_BOUND_MS} ms`);
  const after = await health(aggregator);
  assert.ok(after.alive, `the aggregator is not alive (seed ${seed})`);
  assert.equal(after.publishStatus, 200, `a normal Publish after fuzzing (seed ${seed})`);
  assert.equal(aggregator.crashes.length, 0);
  const logged = aggregator.stderr.slice(startup.length).trim();
  assert.equal(logged, "", `unexpected log lines (seed ${seed}):\n${logged.slice(0, 3000)}`);
});
