/**
 * Mutual TLS on the real aggregator (`AGGREGATOR_TLS`): a client holding a
 * certificate from the configured CA publishes over gRPC (HTTP/2) and over
 * Connect on HTTP/1.1; a client without a certificate and one whose
 * certificate comes from another CA are turned away; `--healthcheck` still
 * reports serving.
 */
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { AggregatorProcess, freePort } from "./support/aggregator.ts";
import { publishClient, tagHeaders } from "./support/aggregator_clients.ts";
import { runHealthcheck } from "./support/aggregator_healthcheck.ts";
import { makePki, type Pki } from "./support/certs.ts";

const NOW = Math.floor(Date.now() / 1000);

Deno.test("with TLS only clients with a certificate from the configured CA get in", async () => {
  const pki = await makePki();
  await using aggregator = await AggregatorProcess.start({
    env: {
      AGGREGATOR_TLS: "",
      AGGREGATOR_TLS_CERTIFICATE: pki.serverCertificate,
      AGGREGATOR_TLS_KEY: pki.serverKey,
      AGGREGATOR_TLS_CA_CERTIFICATE: pki.caCertificate,
      AGGREGATOR_CONNECT_LISTEN_ADDRESS: `127.0.0.1:${freePort()}`,
    },
  });
  const baseUrl = `https://127.0.0.1:${aggregator.port}`;
  // Clients are closed at the end only: a client closing its HTTP/2 session can
  // make Deno's node:http2 server abort (DESIGN.md §7), and this aggregator is
  // not restarted by a supervisor.
  const opened: (() => Promise<void>)[] = [];
  const attempt = async (container: string, tls: Record<string, string>) => {
    const { client, close } = publishClient(baseUrl, "grpc", { ca: pki.caCertificate, ...tls });
    opened.push(close);
    try {
      await client.publish(create(PublishRequestSchema, { unixTime: BigInt(NOW) }), {
        headers: tagHeaders(container),
        timeoutMs: 10_000,
      });
      return undefined;
    } catch (error) {
      return error;
    }
  };
  try {
    await checkMutualTls(aggregator, pki, attempt);
  } finally {
    await Promise.all(opened.map((close) => close()));
  }
});

async function checkMutualTls(
  aggregator: AggregatorProcess,
  pki: Pki,
  attempt: (container: string, tls: Record<string, string>) => Promise<unknown>,
): Promise<void> {
  const baseUrl = `https://127.0.0.1:${aggregator.port}`;
  assert.equal(
    await attempt("trusted", { cert: pki.clientCertificate, key: pki.clientKey }),
    undefined,
  );
  for (
    const [container, tls] of [
      ["anonymous", {}],
      ["stranger", { cert: pki.strangerCertificate, key: pki.strangerKey }],
    ] as const
  ) {
    const error = await attempt(container, tls);
    assert.ok(error instanceof ConnectError, `${container} was let in`);
  }

  const files = aggregator.directory;
  await Deno.writeTextFile(`${files}/ca.pem`, pki.caCertificate);
  await Deno.writeTextFile(`${files}/client.pem`, pki.clientCertificate);
  await Deno.writeTextFile(`${files}/client.key`, pki.clientKey);
  const curl = await new Deno.Command("curl", {
    args: [
      "--silent",
      "--max-time",
      "10",
      "--http1.1",
      ...[
        "--cacert",
        `${files}/ca.pem`,
        "--cert",
        `${files}/client.pem`,
        "--key",
        `${files}/client.key`,
      ],
      ...["--header", "content-type: application/json"],
      ...Object.entries(tagHeaders("http1")).flatMap((
        [name, value],
      ) => ["--header", `${name}: ${value}`]),
      ...["--data", JSON.stringify({ unixTime: String(NOW) })],
      `${baseUrl}/Aggregator/Publish`,
    ],
  }).output();
  assert.equal(new TextDecoder().decode(curl.stdout), "{}");

  // The server certificate is for server authentication only, so the probe
  // asks the cleartext Connect listener.
  const probe = await runHealthcheck(aggregator.env);
  assert.equal(probe.code, 0, new TextDecoder().decode(probe.stderr));

  await aggregator.waitFor(() => aggregator.lines.length >= 2, 10_000, "two points");
  const containers = aggregator.points().map((point) =>
    (point.tags as Record<string, string>).container
  );
  assert.deepEqual(containers.sort(), ["http1", "trusted"]);
}
