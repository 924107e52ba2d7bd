/**
 * Mutual TLS on the real aggregator (`AGGREGATOR_TLS`): a client holding a
 * certificate from the configured CA publishes over gRPC and over Connect
 * (both HTTP/2: ALPN agrees on h2 only); a client without a certificate and one whose
 * certificate comes from another CA are turned away; `--healthcheck` still
 * reports serving.
 */
import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { AggregatorProcess, freePort } from "./support/aggregator.ts";
import { tagHeaders } from "./support/publish_tags.ts";
import { runHealthcheck } from "./support/aggregator_healthcheck.ts";
import { aggregatorTlsEnv, makePki, type Pki, writeClientFiles } from "./support/certs.ts";
import { outputWithin, withDeadline } from "./support/deadline.ts";
import { type GrpcAnswer, GrpcPublisher, type GrpcTls } from "./support/grpc_publisher.ts";

const NOW = Math.floor(Date.now() / 1000);

Deno.test("with TLS only clients with a certificate from the configured CA get in", async () => {
  const pki = await makePki();
  await using aggregator = await AggregatorProcess.start({
    env: {
      ...aggregatorTlsEnv(pki),
      AGGREGATOR_CONNECT_LISTEN_ADDRESS: `127.0.0.1:${freePort()}`,
    },
  });
  await checkMutualTls(aggregator, pki);
});

/** One gRPC Publish over TLS from a fresh client trusting and presenting the files in `tls`. */
async function attempt(
  aggregator: AggregatorProcess,
  container: string,
  tls: GrpcTls,
): Promise<GrpcAnswer> {
  const client = GrpcPublisher.start(aggregator.address, tls);
  try {
    return await client.publish({ unixTime: BigInt(NOW) }, tagHeaders(container));
  } finally {
    await client.close();
  }
}

async function checkMutualTls(aggregator: AggregatorProcess, pki: Pki): Promise<void> {
  const baseUrl = `https://127.0.0.1:${aggregator.port}`;
  const files = aggregator.directory;
  const pem = async (name: string, text: string) => {
    await Deno.writeTextFile(`${files}/${name}`, text);
    return `${files}/${name}`;
  };
  const ca = await pem("ca.pem", pki.caCertificate);
  const client = {
    cert: await pem("client.pem", pki.clientCertificate),
    key: await pem("client.key", pki.clientKey),
  };
  const stranger = {
    cert: await pem("stranger.pem", pki.strangerCertificate),
    key: await pem("stranger.key", pki.strangerKey),
  };
  assert.deepEqual(await attempt(aggregator, "trusted", { ca, ...client }), {
    code: 0,
    message: "",
  });
  for (const [container, identity] of [["anonymous", {}], ["stranger", stranger]] as const) {
    const answer = await attempt(aggregator, container, { ca, ...identity });
    assert.equal(
      answer.code,
      Code.Unavailable,
      `${container} was let in: ${JSON.stringify(answer)}`,
    );
  }

  const curl = await outputWithin(
    "curl",
    {
      args: [
        "--silent",
        "--max-time",
        "10",
        "--http2",
        ...[
          "--cacert",
          ca,
          "--cert",
          client.cert,
          "--key",
          client.key,
        ],
        ...["--header", "content-type: application/json"],
        ...Object.entries(tagHeaders("connect")).flatMap((
          [name, value],
        ) => ["--header", `${name}: ${value}`]),
        ...["--data", JSON.stringify({ unixTime: String(NOW) })],
        `${baseUrl}/Aggregator/Publish`,
      ],
    },
    20_000,
    "waiting for curl's Connect call over TLS",
  );
  assert.equal(new TextDecoder().decode(curl.stdout), "{}");

  // The server certificate is for server authentication only, so the probe
  // asks the cleartext Connect listener.
  const probe = await runHealthcheck(aggregator.env);
  assert.equal(probe.code, 0, new TextDecoder().decode(probe.stderr));

  await aggregator.waitFor(() => aggregator.lines.length >= 2, 10_000, "two points");
  const containers = aggregator.points().map((point) =>
    (point.tags as Record<string, string>).container
  );
  assert.deepEqual(containers.sort(), ["connect", "trusted"]);
}

/** Resolves with how many ms after `start` the server closed `conn` (a read ends or fails). */
async function closedAfter(conn: Deno.Conn, start: number): Promise<number> {
  const buffer = new Uint8Array(1024);
  try {
    while (await conn.read(buffer) !== null) { /* the server sends nothing before TLS */ }
  } catch {
    // A reset is a close too.
  }
  return Date.now() - start;
}

Deno.test("the TLS listener applies the connection caps and the handshake timeout before TLS", async () => {
  const pki = await makePki();
  const perPeer = 3;
  const handshakeMs = 1_000;
  await using aggregator = await AggregatorProcess.start({
    env: {
      ...aggregatorTlsEnv(pki),
      AGGREGATOR_MAX_CONNECTIONS_PER_PEER: String(perPeer),
      AGGREGATOR_HANDSHAKE_TIMEOUT: `${handshakeMs}ms`,
    },
  });
  const start = Date.now();
  const silent = await Promise.all(
    Array.from(
      { length: perPeer + 2 },
      () => Deno.connect({ hostname: "127.0.0.1", port: aggregator.port }),
    ),
  );
  try {
    const closed = await withDeadline(
      Promise.all(silent.map((conn) => closedAfter(conn, start))),
      10_000,
      "waiting for the TLS listener to close silent connections",
    );
    const sorted = closed.toSorted((a, b) => a - b);
    // The two over the cap go at once; the others at the handshake timeout.
    assert.ok(sorted[1] < handshakeMs / 2, `over the cap, closed after ${sorted.slice(0, 2)} ms`);
    for (const ms of sorted.slice(2)) {
      assert.ok(
        ms >= handshakeMs - 100 && ms < handshakeMs + 2_000,
        `silent, closed after ${ms} ms`,
      );
    }
  } finally {
    for (const conn of silent) conn.close();
  }
  const answer = await attempt(
    aggregator,
    "after",
    await writeClientFiles(aggregator.directory, pki),
  );
  assert.deepEqual(answer, { code: 0, message: "" });
});
