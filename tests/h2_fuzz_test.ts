/**
 * A mutation fuzzer against the real aggregator's cleartext listener (and,
 * with fewer connections, its mutual-TLS listener): FUZZ_CONNECTIONS connections, each a well-formed HTTP/2 session with
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
import { aggregatorTlsEnv, makePki, writeClientFiles } from "./support/certs.ts";
import { GrpcPublisher } from "./support/grpc_publisher.ts";
import { tagHeaders } from "./support/publish_tags.ts";

const FUZZ_CONNECTIONS = 5_000;
/** Fewer over TLS: each costs a handshake. */
const TLS_FUZZ_CONNECTIONS = 1_000;
const NOW = Math.floor(Date.now() / 1000);
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

/** Opens one connection to the listener under test. */
type Dial = () => Promise<Deno.Conn>;

async function fuzzOne(dial: Dial, writes: Uint8Array[]): Promise<boolean> {
  const conn = await dial();
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

/**
 * Sends `count` mutated sessions through `dial`, CONCURRENCY at a time, and
 * checks the aggregator stayed up, logged nothing and answers `publish`.
 */
async function fuzz(
  aggregator: AggregatorProcess,
  count: number,
  dial: Dial,
  publish: () => Promise<void>,
): Promise<void> {
  const given = Deno.env.get("H2_FUZZ_SEED");
  const seed = given === undefined ? Math.floor(Math.random() * 2 ** 32) : Number(given);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new Error(`H2_FUZZ_SEED must be an integer from 0 to 2^32-1, not "${given}"`);
  }
  console.log(`fuzz seed ${seed} (replay with H2_FUZZ_SEED=${seed})`);
  const pid = aggregator.pid;
  const startup = aggregator.stderr;
  const mutator = new H2Mutator(seed);
  const started = performance.now();
  let sent = 0;
  let closedByServer = 0;
  let current = "";
  const worker = async () => {
    while (sent < count && performance.now() - started < TIME_BOUND_MS) {
      const fuzzCase = mutator.next();
      const number = ++sent;
      current = `connection ${number}: ${fuzzCase.description}`;
      if (await fuzzOne(dial, fuzzCase.writes)) closedByServer++;
      assert.equal(aggregator.pid, pid, `the aggregator exited at ${current} (seed ${seed})`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${sent} connections in ${seconds.toFixed(1)} s, ${closedByServer} closed by the server, ` +
      `${aggregator.lines.length} points stored`,
  );
  assert.equal(sent, count, `only ${sent} connections within ${TIME_BOUND_MS} ms`);
  await publish();
  assert.ok(aggregator.pid === pid, `the aggregator is not alive (seed ${seed})`);
  assert.equal(aggregator.crashes.length, 0);
  const logged = aggregator.stderr.slice(startup.length).trim();
  assert.equal(logged, "", `unexpected log lines (seed ${seed}):\n${logged.slice(0, 3000)}`);
}

Deno.test("5,000 mutated HTTP/2 connections: no crash, no unexpected log line", async () => {
  await using aggregator = await AggregatorProcess.start();
  await fuzz(
    aggregator,
    FUZZ_CONNECTIONS,
    () => Deno.connect({ hostname: "127.0.0.1", port: aggregator.port }),
    async () => assert.equal((await health(aggregator)).publishStatus, 200),
  );
});

Deno.test("1,000 mutated HTTP/2 connections over mutual TLS: no crash, no unexpected log line", async () => {
  const pki = await makePki();
  await using aggregator = await AggregatorProcess.start({ env: aggregatorTlsEnv(pki) });
  await fuzz(
    aggregator,
    TLS_FUZZ_CONNECTIONS,
    () =>
      Deno.connectTls({
        hostname: "127.0.0.1",
        port: aggregator.port,
        caCerts: [pki.caCertificate],
        cert: pki.clientCertificate,
        key: pki.clientKey,
        alpnProtocols: ["h2"],
      }),
    async () => {
      const client = GrpcPublisher.start(
        aggregator.address,
        await writeClientFiles(aggregator.directory, pki),
      );
      try {
        const answer = await client.publish({ unixTime: BigInt(NOW) }, tagHeaders("after"));
        assert.equal(answer.code, 0, answer.message);
      } finally {
        await client.close();
      }
    },
  );
});
