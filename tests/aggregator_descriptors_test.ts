/**
 * The real aggregator against clients that hold connections instead of
 * using them: a slowloris of 1,000 connections on the metrics listener (each
 * trickling a request head a byte a second) is not held past the header
 * timeout, and a scrape during it is answered; with the process's file
 * descriptors lowered (`prlimit`) far below the connections opened, both the
 * cleartext main listener and the metrics listener run out (EMFILE), the
 * process stays up, logs the failure once per listener, and answers normally
 * once the connections are gone.
 */
import assert from "node:assert/strict";
import { TIMEOUTS } from "../aggregator/server/metrics_listener.ts";
import { AggregatorProcess, freePort } from "./support/aggregator.ts";
import { health } from "./support/attack_clients.ts";
import { withDeadline } from "./support/deadline.ts";
import { GrpcPublisher } from "./support/grpc_publisher.ts";
import { aggregatorTlsEnv, makePki, writeClientFiles } from "./support/certs.ts";
import { tagHeaders } from "./support/publish_tags.ts";
import { waitUntil } from "./support/until.ts";

const SLOW_CLIENTS = 1_000;

/** Opens `count` TCP connections to `port` (those the kernel refuses are left out). */
async function connectMany(port: number, count: number): Promise<Deno.TcpConn[]> {
  const settled = await Promise.allSettled(
    Array.from({ length: count }, () => Deno.connect({ hostname: "127.0.0.1", port })),
  );
  return settled.flatMap((result) => result.status === "fulfilled" ? [result.value] : []);
}

/** Resolves once the server has closed `conn` (a read ends or fails). */
async function serverClosed(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(1024);
  try {
    while (await conn.read(buffer) !== null) { /* nothing is expected before the close */ }
  } catch {
    // A reset is a close too.
  }
}

function closeAll(conns: Deno.Conn[]): void {
  for (const conn of conns) {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

async function scrape(address: string): Promise<number> {
  const response = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(2_000) });
  await response.body?.cancel();
  return response.status;
}

Deno.test("1,000 slowloris connections on the metrics listener are not held", async () => {
  const metrics = `127.0.0.1:${freePort()}`;
  await using aggregator = await AggregatorProcess.start({
    env: { AGGREGATOR_METRICS_LISTEN_ADDRESS: metrics },
  });
  const port = Number(metrics.split(":")[1]);
  const start = Date.now();
  const slow = await connectMany(port, SLOW_CLIENTS);
  assert.equal(slow.length, SLOW_CLIENTS);
  const encoder = new TextEncoder();
  const trickle = setInterval(() => {
    for (const conn of slow) conn.write(encoder.encode("x")).catch(() => {});
  }, 1_000);
  try {
    await Promise.all(
      slow.map((conn) => conn.write(encoder.encode("GET /metrics HTTP/1.1\r\nx: "))),
    );
    await aggregator.waitFor(() => Date.now() - start > 1_000, 5_000, "the attack to run 1 s");
    // A scrape during the attack gets its turn: it sends its request at once.
    const during = performance.now();
    assert.equal(await scrape(metrics), 200);
    assert.ok(performance.now() - during < 1_000, "the scrape during the attack took over 1 s");
    await withDeadline(
      Promise.all(slow.map(serverClosed)),
      TIMEOUTS.headerMs + 5_000,
      "waiting for the metrics listener to close every slow connection",
    );
    const heldMs = Date.now() - start;
    assert.ok(heldMs < TIMEOUTS.headerMs + 3_000, `slow connections were held ${heldMs} ms`);
  } finally {
    clearInterval(trickle);
    closeAll(slow);
  }
  assert.equal(await scrape(metrics), 200);
  assert.equal((await health(aggregator)).publishStatus, 200);
});

/**
 * Runs the aggregator (with `env`) on `files` descriptors, opens more
 * connections than that to its main and metrics listeners, and checks both
 * survive EMFILE; `publish` then proves the main listener answers.
 */
async function exhaustDescriptors(
  env: Record<string, string>,
  publish: (aggregator: AggregatorProcess) => Promise<void>,
): Promise<void> {
  const metrics = `127.0.0.1:${freePort()}`;
  const files = 256;
  await using aggregator = await AggregatorProcess.start({
    env: {
      AGGREGATOR_METRICS_LISTEN_ADDRESS: metrics,
      AGGREGATOR_HANDSHAKE_TIMEOUT: "60s",
      ...env,
    },
    maxOpenFiles: files,
  });
  const port = Number(metrics.split(":")[1]);
  // More than the process can hold on each listener: their accepts fail with EMFILE.
  const held = [
    ...await connectMany(aggregator.port, files * 2),
    ...await connectMany(port, files),
  ];
  try {
    await aggregator.waitFor(
      () => (aggregator.stderr.match(/accepting connections failed/g) ?? []).length >= 2,
      15_000,
      "both listeners to log that accepting failed",
    );
    assert.ok(aggregator.pid !== undefined, "the aggregator exited");
  } finally {
    closeAll(held);
  }
  await aggregator.waitFor(
    () => (aggregator.stderr.match(/accepting connections again/g) ?? []).length >= 2,
    15_000,
    "both listeners to accept again",
  );
  // One line per run of failures (a run may recur while the backlog drains), not one per failure.
  const failures = aggregator.stderr.match(/.*accepting connections failed.*/g) ?? [];
  assert.ok(failures.length < 10, `${failures.length} lines:\n${failures.join("\n")}`);
  assert.match(failures.join("\n"), /Too many open files|EMFILE/);
  await waitUntil(
    () => scrape(metrics).then((status) => status === 200, () => false),
    10_000,
    "a scrape answered after the descriptors were freed",
  );
  await publish(aggregator);
  assert.ok(aggregator.pid !== undefined, "the aggregator exited");
  assert.equal(aggregator.crashes.length, 0);
}

Deno.test("out of file descriptors, the cleartext and metrics listeners retry and answer after", async () => {
  await exhaustDescriptors({}, async (aggregator) => {
    assert.equal((await health(aggregator)).publishStatus, 200);
  });
});

Deno.test("out of file descriptors, the TLS listener retries and answers after", async () => {
  const pki = await makePki();
  await exhaustDescriptors(aggregatorTlsEnv(pki), async (aggregator) => {
    const tls = await writeClientFiles(aggregator.directory, pki);
    const client = GrpcPublisher.start(aggregator.address, tls);
    try {
      const answer = await client.publish(
        { unixTime: BigInt(Math.floor(Date.now() / 1000)) },
        tagHeaders("after"),
      );
      assert.equal(answer.code, 0, answer.message);
    } finally {
      await client.close();
    }
  });
});
