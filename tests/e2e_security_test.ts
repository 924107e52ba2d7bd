/**
 * Security, end to end: mutual TLS turns away a client without a certificate
 * and one from another CA (curl over gRPC; tests/aggregator_tls_test.ts and
 * the collector's TLS test cover the programs' own clients); each program,
 * run with its exact declared flags, cannot read or write outside its paths,
 * reach other ports or hosts, listen elsewhere, spawn processes or read other
 * env variables; and the Datadog API key never shows in the aggregator's
 * output, its startup errors or the URLs the destination sees.
 */
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { envFrom } from "../shared/config/mod.ts";
import { ENV_ALLOWED, programFlags } from "./support/program_flags.ts";
import { AggregatorProcess, freePort } from "./support/aggregator.ts";
import { tagHeaders } from "./support/publish_tags.ts";
import { makePki } from "./support/certs.ts";
import { collectorFlags, denoCommand } from "./support/collector_process.ts";
import { collectorEnv, FIXTURE } from "./support/e2e_collectors.ts";
import { recordScenario } from "./support/e2e_summary.ts";
import { fixturePath } from "./support/cgroup_fixtures.ts";
import { scriptedServer } from "./support/scripted_server.ts";
import { waitUntil } from "./support/until.ts";
import { childOutputWithin, outputWithin } from "./support/deadline.ts";
import { GrpcPublisher } from "./support/grpc_publisher.ts";

const PROBE = new URL("./support/permission_probe.ts", import.meta.url).pathname;
const API_KEY = "e2e0secret0key0d4t4d0g0f1a2b3c4d";
const NOW = Math.floor(Date.now() / 1000);

function listener(): Deno.Listener & { address: string } {
  const listening = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return Object.assign(listening, {
    address: `127.0.0.1:${(listening.addr as Deno.NetAddr).port}`,
  });
}

async function probe(flags: string[], env: Record<string, string>, args: string[]) {
  const output = await childOutputWithin(
    denoCommand(flags, PROBE, env, args).spawn(),
    60_000,
    `waiting for the permission probe (${args.join(" ")})`,
  );
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

const DENIED = {
  readForbidden: "NotCapable",
  connectForbidden: "NotCapable",
  connectOtherHost: "NotCapable",
  writeOutside: "NotCapable",
  listen: "NotCapable",
  spawn: "NotCapable",
  envOutsidePrefix: "NotCapable",
};

Deno.test("each program under its declared flags reaches only its own paths and addresses", async () => {
  const destination = listener();
  const other = listener();
  const spool = await Deno.makeTempDir({ prefix: "mini-collector-e2e-spool-" });
  try {
    const aggregatorEnv = {
      AGGREGATOR_LISTEN_ADDRESS: `127.0.0.1:${freePort()}`,
      AGGREGATOR_SPOOL_PATH: spool,
      AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
        api_key: API_KEY,
        series_url: `http://${destination.address}/api/v1/series`,
      }),
    };
    const forbidden = `${spool}-outside`;
    await Deno.writeTextFile(forbidden, "not for the programs");
    const aggregator = await probe(
      programFlags("aggregator", envFrom(aggregatorEnv)),
      aggregatorEnv,
      [spool, destination.address, forbidden, other.address],
    );
    const cgroupRoot = fixturePath(FIXTURE, "t1");
    const collectorEnvironment = collectorEnv(Number(destination.address.split(":")[1]));
    const collector = await probe(
      collectorFlags(collectorEnvironment),
      collectorEnvironment,
      [cgroupRoot, destination.address, forbidden, other.address],
    );
    await Deno.remove(forbidden);
    const expected = {
      aggregator: { readAllowed: "ok", connectAllowed: "ok", writeAllowedDir: "ok", ...DENIED },
      collector: {
        readAllowed: "ok",
        connectAllowed: "ok",
        writeAllowedDir: "NotCapable",
        ...DENIED,
      },
    };
    recordScenario({
      scenario: "permissions: collector and aggregator",
      result: isDeepStrictEqual({ aggregator, collector }, expected) ? "pass" : "FAIL",
      notes: `denied for both: ${Object.keys(DENIED).join(", ")}; ` +
        "collector may not write its cgroup root, aggregator may write its spool",
    });
    assert.deepEqual({ aggregator, collector }, expected);
  } finally {
    destination.close();
    other.close();
    await Deno.remove(spool, { recursive: true });
  }
});

Deno.test("mutual TLS: no certificate and another CA's certificate are refused", async () => {
  const pki = await makePki();
  await using aggregator = await AggregatorProcess.start({
    supervise: true,
    env: {
      AGGREGATOR_TLS: "",
      AGGREGATOR_TLS_CERTIFICATE: pki.serverCertificate,
      AGGREGATOR_TLS_KEY: pki.serverKey,
      AGGREGATOR_TLS_CA_CERTIFICATE: pki.caCertificate,
    },
  });
  const files = aggregator.directory;
  const pem = async (name: string, text: string) => {
    await Deno.writeTextFile(`${files}/${name}`, text);
    return `${files}/${name}`;
  };
  const ca = await pem("ca.pem", pki.caCertificate);
  const identities: Record<string, string[]> = {
    "no certificate": [],
    "another CA": [
      ...["--cert", await pem("stranger.pem", pki.strangerCertificate)],
      ...["--key", await pem("stranger.key", pki.strangerKey)],
    ],
    "the CA's client": [
      ...["--cert", await pem("client.pem", pki.clientCertificate)],
      ...["--key", await pem("client.key", pki.clientKey)],
    ],
  };
  const answers: Record<string, string> = {};
  for (const [name, identity] of Object.entries(identities)) {
    const output = await outputWithin(
      "curl",
      {
        args: [
          ...["--silent", "--max-time", "10", "--cacert", ca, ...identity],
          ...["--header", "content-type: application/json"],
          ...Object.entries(tagHeaders(name.replaceAll(" ", "-"))).flatMap((
            [header, value],
          ) => ["--header", `${header}: ${value}`]),
          ...["--data", JSON.stringify({ unixTime: String(NOW) })],
          ...["--write-out", "%{http_code}", "--output", "/dev/null"],
          `https://127.0.0.1:${aggregator.port}/Aggregator/Publish`,
        ],
      },
      20_000,
      `waiting for curl's call with ${name}`,
    );
    answers[name] = output.success
      ? `HTTP ${new TextDecoder().decode(output.stdout)}`
      : `refused (curl exit ${output.code})`;
  }
  await aggregator.waitFor(() => aggregator.lines.length > 0, 10_000, "the trusted point");
  await aggregator.kill("SIGTERM");
  const stored = aggregator.points().map((point) =>
    (point.tags as { container: string }).container
  );
  const refusedBoth = ["no certificate", "another CA"].every((name) =>
    answers[name].startsWith("refused")
  );
  recordScenario({
    scenario: "mutual TLS",
    result: refusedBoth && answers["the CA's client"] === "HTTP 200" ? "pass" : "FAIL",
    notes: Object.entries(answers).map(([name, answer]) => `${name}: ${answer}`).join("; ") +
      " (also tests/aggregator_tls_test.ts, tests/collector_process_test.ts)",
  });
  assert.match(answers["no certificate"], /^refused/);
  assert.match(answers["another CA"], /^refused/);
  assert.equal(answers["the CA's client"], "HTTP 200");
  assert.deepEqual(stored, ["the-CA's-client"]);
});

Deno.test("the Datadog API key never appears in logs, errors or URLs", async () => {
  const statuses: number[] = [];
  const server = scriptedServer((_, index) => {
    const status = [500, 403][index] ?? 202;
    statuses[index] = status;
    return new Response(status === 403 ? '{"errors":["Forbidden"]}' : "{}", { status });
  });
  try {
    await using aggregator = await AggregatorProcess.start({
      supervise: true,
      env: {
        MINI_COLLECTOR_DEBUG: "",
        AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
          api_key: API_KEY,
          series_url: new URL("/api/v1/series", server.url).href,
          retry_count: "1",
        }),
      },
    });
    const client = GrpcPublisher.start(aggregator.address);
    try {
      for (let second = 0; statuses.at(-1) !== 202; second++) {
        await client.publishOk({ unixTime: BigInt(NOW - 60 + second) }, tagHeaders("secret-test"));
        await waitUntil(
          () => statuses.length > second || statuses.at(-1) === 202,
          30_000,
          "a request",
        );
      }
    } finally {
      await client.close();
    }
    await aggregator.kill("SIGTERM");
    const badConfig = {
      AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({ api_key: API_KEY, timeout: "soon" }),
      AGGREGATOR_SPOOL_PATH: aggregator.directory,
    };
    // As `deno task aggregate` runs it when the configuration does not parse.
    const refused = await childOutputWithin(
      denoCommand(
        ["--no-prompt", `--allow-env=${ENV_ALLOWED.aggregator}`],
        new URL("../aggregator/main.ts", import.meta.url).pathname,
        badConfig,
      ).spawn(),
      60_000,
      "waiting for the aggregator to refuse a bad Datadog configuration",
    );
    const refusal = new TextDecoder().decode(refused.stderr);
    const places = {
      "aggregator stdout": aggregator.lines.join("\n"),
      "aggregator stderr (debug)": aggregator.stderr,
      "startup error": refusal,
      "request URLs": server.received.map((request) => request.url.href).join("\n"),
    };
    const leaks = Object.entries(places).filter(([, text]) => text.includes(API_KEY));
    const keyHeaders = server.received.map((request) => request.headers.get("dd-api-key"));
    recordScenario({
      scenario: "API key kept secret",
      result: leaks.length === 0 ? "pass" : "FAIL",
      notes: `${server.received.length} requests (${statuses.join(", ")}), key only in the ` +
        `DD-API-KEY header; searched: ${Object.keys(places).join(", ")}`,
    });
    assert.deepEqual(leaks.map(([place]) => place), []);
    assert.ok(keyHeaders.every((value) => value === API_KEY), "every request carries the key");
    assert.deepEqual(statuses.slice(0, 2), [500, 403]);
    assert.equal(refused.code, 2);
    assert.match(refusal, /AGGREGATOR_DATADOG_CONFIGURATION/);
  } finally {
    await server.close();
  }
});
