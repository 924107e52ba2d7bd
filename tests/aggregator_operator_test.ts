/**
 * What an operator sees from the real aggregator process: the effective
 * configuration at startup with every secret masked and a loud warning for a
 * cleartext listener on all interfaces, the optional Datadog key check, one
 * plain line per startup failure (port taken, permission refused, spool not
 * writable) with no stack trace, ANSI code or `--allow-…` advice, the final
 * stats line naming what each sink leaves spooled, and `--check`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { envFrom } from "../shared/config/mod.ts";
import { programFlags } from "./support/program_flags.ts";
import { AggregatorProcess, freePort } from "./support/aggregator.ts";
import { denoCommand, REPOSITORY, runtimeEnv } from "./support/collector_process.ts";
import { GrpcPublisher } from "./support/grpc_publisher.ts";
import { tagHeaders } from "./support/publish_tags.ts";
import { scriptedServer } from "./support/scripted_server.ts";

const ENTRY = new URL("../aggregator/main.ts", import.meta.url).pathname;
const SECRETS = ["DDKEY-0123456789", "infl-pass-42", "prom-pass-77", "PDROUTE-55"];

/** Runs the aggregator to completion with `flags` (its own by default) and `args`. */
async function runAggregator(
  env: Record<string, string>,
  args: string[] = [],
  flags = programFlags("aggregator", envFrom(env)),
) {
  const output = await denoCommand(flags, ENTRY, env, args).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

function assertPlainLines(text: string) {
  assert.ok(!text.includes("\x1b["), `ANSI codes in:\n${text}`);
  assert.ok(!/allow-all|run again with|--allow-/.test(text), `flag advice in:\n${text}`);
  assert.ok(!/^\s+at /m.test(text), `a stack trace in:\n${text}`);
}

Deno.test("startup logs the effective configuration, secrets masked, and warns of a rejected Datadog key", async () => {
  const server = scriptedServer((request) =>
    request.url.pathname === "/api/v1/validate"
      ? Response.json({ errors: ["Forbidden"] }, { status: 403 })
      : new Response(null, { status: 204 })
  );
  const base = server.url.href.replace(/\/$/, "");
  const spoolDirectory = await Deno.makeTempDir();
  const aggregator = await AggregatorProcess.start({
    env: {
      AGGREGATOR_SPOOL_PATH: spoolDirectory,
      AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
        api_key: SECRETS[0],
        site: "datadoghq.eu",
        series_url: `${base}/api/v2/series`,
        validate_key: true,
      }),
      AGGREGATOR_INFLUXDB_CONFIGURATION: JSON.stringify({
        address: base,
        username: "writer",
        password: SECRETS[1],
        database: "metrics",
      }),
      AGGREGATOR_PROMETHEUS_CONFIGURATION: JSON.stringify({
        url: `${base}/api/v1/write`,
        basic_auth: { username: "prom", password: SECRETS[2] },
      }),
      AGGREGATOR_NOTIFY_CONFIGURATION: JSON.stringify({
        integration_key: SECRETS[3],
        url: `${base}/v2/enqueue`,
      }),
    },
  });
  try {
    await aggregator.waitFor(
      () => /API key was rejected/.test(aggregator.stderr),
      10_000,
      "the key check",
    );
    const log = aggregator.stderr;
    console.log(log);
    for (const secret of SECRETS) assert.ok(!log.includes(secret), `${secret} printed:\n${log}`);
    assert.match(
      log,
      /configuration: sink datadog: http:\/\/127\.0\.0\.1:\d+\/api\/v2\/series \(site datadoghq\.eu, API v2, api key set/,
    );
    assert.match(log, /sink influxdb: .*database metrics, basic auth as writer, password set/);
    assert.match(log, /sink prometheus: .*basic auth set/);
    assert.match(log, /loss alerts: PagerDuty .*integration key set/);
    assert.match(log, new RegExp(`spool: ${spoolDirectory}/spool\\.sqlite`));
    assert.match(log, /listeners: gRPC\/Connect 127\.0\.0\.1:\d+ TLS off \(cleartext\)/);
    assert.match(log, /limits: requests up to 65536 bytes, 1024 connections/);
    assert.doesNotMatch(log, /UNSAFE/, "loopback is not warned about");
    assert.match(
      log,
      /\[WRN\] .*datadog: the API key was rejected by http:\/\/127\.0\.0\.1:\d+\/api\/v1\/validate \(Datadog site datadoghq\.eu\) with HTTP 403/,
    );
    const validate = server.received.find((request) => request.url.pathname === "/api/v1/validate");
    assert.equal(validate?.headers.get("dd-api-key"), SECRETS[0]);
    assertPlainLines(log);
  } finally {
    await aggregator.close();
    await server.close();
    await Deno.remove(spoolDirectory, { recursive: true });
  }
});

Deno.test("the compatibility default 0.0.0.0 is kept and warned about loudly", async () => {
  // Only the configuration is read: --check with the stdout sink probes nothing on the network.
  const spool = await Deno.makeTempDir();
  try {
    const { code, stdout } = await runAggregator(
      { AGGREGATOR_TEXT_CONFIGURATION: "", AGGREGATOR_SPOOL_PATH: spool },
      ["--check"],
    );
    console.log(stdout);
    // --check binds the default port for a moment: on a shared machine another process may hold it.
    const held = /^FAIL listen: AGGREGATOR_LISTEN_ADDRESS=0\.0\.0\.0:8000 is already in use/m;
    assert.equal(code, held.test(stdout) ? 1 : 0, stdout);
    assert.match(stdout, /listeners: gRPC\/Connect 0\.0\.0\.0:8000 TLS off \(cleartext\)/);
    assert.match(
      stdout,
      /^WARN gRPC\/Connect listener 0\.0\.0\.0:8000 serves cleartext on all interfaces/m,
    );
  } finally {
    await Deno.remove(spool, { recursive: true });
  }
});

/** Starts the aggregator for real, expecting it to fail: its one fatal line, checked plain. */
async function failedStart(env: Record<string, string>): Promise<string> {
  // Without NO_COLOR: stderr is a pipe, so no colour either way.
  const { NO_COLOR: _, ...withoutNoColor } = runtimeEnv();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...programFlags("aggregator", envFrom(env)), ENTRY],
    cwd: REPOSITORY,
    clearEnv: true,
    env: { ...withoutNoColor, ...env },
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  console.log(stderr);
  assert.equal(output.code, 1, stderr);
  const fatal = stderr.split("\n").filter((line) => line.includes("[FTL]"));
  assert.equal(fatal.length, 1, stderr);
  assertPlainLines(stderr);
  return fatal[0];
}

for (const busy of ["AGGREGATOR_LISTEN_ADDRESS", "AGGREGATOR_METRICS_LISTEN_ADDRESS"]) {
  Deno.test(`a port already taken is one plain line naming only ${busy}, and exit 1`, async () => {
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const spool = await Deno.makeTempDir();
    const env: Record<string, string> = {
      AGGREGATOR_TEXT_CONFIGURATION: "",
      AGGREGATOR_SPOOL_PATH: spool,
      AGGREGATOR_LISTEN_ADDRESS: `127.0.0.1:${freePort()}`,
      AGGREGATOR_METRICS_LISTEN_ADDRESS: `127.0.0.1:${freePort()}`,
    };
    env[busy] = `127.0.0.1:${taken.addr.port}`;
    try {
      assert.match(
        await failedStart(env),
        new RegExp(
          `cannot start: a listen address is already in use by another process ` +
            `\\(${busy}=127\\.0\\.0\\.1:${taken.addr.port}\\): stop that process`,
        ),
      );
    } finally {
      taken.close();
      await Deno.remove(spool, { recursive: true });
    }
  });
}

Deno.test("a listen address not on this machine is one plain line naming it, and exit 1", async () => {
  const spool = await Deno.makeTempDir();
  try {
    const fatal = await failedStart({
      AGGREGATOR_TEXT_CONFIGURATION: "",
      AGGREGATOR_SPOOL_PATH: spool,
      AGGREGATOR_LISTEN_ADDRESS: `127.0.0.1:${freePort()}`,
      // 192.0.2.0/24 is reserved for documentation: no machine has it.
      AGGREGATOR_METRICS_LISTEN_ADDRESS: "192.0.2.1:9100",
    });
    assert.match(
      fatal,
      /cannot start: a listen address is not on this machine \(AGGREGATOR_METRICS_LISTEN_ADDRESS=192\.0\.2\.1:9100\): choose/,
    );
  } finally {
    await Deno.remove(spool, { recursive: true });
  }
});

Deno.test("--check names a listen address that is not on this machine", async () => {
  const spool = await Deno.makeTempDir();
  try {
    // 192.0.2.0/24 is reserved for documentation: no machine has it.
    const { code, stdout } = await runAggregator(
      {
        AGGREGATOR_TEXT_CONFIGURATION: "",
        AGGREGATOR_SPOOL_PATH: spool,
        AGGREGATOR_LISTEN_ADDRESS: `127.0.0.1:${freePort()}`,
        AGGREGATOR_METRICS_LISTEN_ADDRESS: "192.0.2.1:9100",
      },
      ["--check"],
    );
    console.log(stdout);
    assert.equal(code, 1, stdout);
    assert.match(
      stdout,
      /^FAIL listen: AGGREGATOR_METRICS_LISTEN_ADDRESS=192\.0\.2\.1:9100 is not an address of this machine$/m,
    );
    assert.match(stdout, /^OK {3}listen: AGGREGATOR_LISTEN_ADDRESS=127\.0\.0\.1:\d+ is free$/m);
  } finally {
    await Deno.remove(spool, { recursive: true });
  }
});

Deno.test("a permission refusal is reworded, never advising a broader flag", async () => {
  const spool = await Deno.makeTempDir();
  const env = {
    AGGREGATOR_TEXT_CONFIGURATION: "",
    AGGREGATOR_SPOOL_PATH: spool,
    AGGREGATOR_LISTEN_ADDRESS: `127.0.0.1:${freePort()}`,
  };
  const flags = programFlags("aggregator", envFrom(env)).map((flag) =>
    flag.startsWith("--allow-net=") ? "--allow-net=127.0.0.1:1" : flag
  );
  try {
    const { code, stderr } = await runAggregator(env, [], flags);
    console.log(stderr);
    assert.equal(code, 1, stderr);
    assert.match(
      stderr,
      /\[FTL\] .*cannot start: net access to "127\.0\.0\.1:\d+" was refused: the program's permissions are derived from AGGREGATOR_LISTEN_ADDRESS/,
    );
    assertPlainLines(stderr);
  } finally {
    await Deno.remove(spool, { recursive: true });
  }
});

Deno.test("a spool path outside the granted permissions is one reworded line", async () => {
  const spool = await Deno.makeTempDir();
  const elsewhere = await Deno.makeTempDir();
  const env = {
    AGGREGATOR_TEXT_CONFIGURATION: "",
    AGGREGATOR_SPOOL_PATH: `${spool}/inner`,
    AGGREGATOR_LISTEN_ADDRESS: `127.0.0.1:${freePort()}`,
  };
  const flags = programFlags("aggregator", envFrom(env)).map((flag) =>
    flag.startsWith("--allow-write=") || flag.startsWith("--allow-read=")
      ? `${flag.split("=")[0]}=${elsewhere}`
      : flag
  );
  try {
    const child = denoCommand(flags, ENTRY, env).spawn();
    const stderr = await firstLines(child.stderr, /listening on/);
    child.kill("SIGTERM");
    await child.status;
    await child.stdout.cancel();
    console.log(stderr);
    const line = stderr.split("\n").find((line) => line.includes("spool not writable"));
    assert.match(
      line ?? stderr,
      /cannot open .*spool\.sqlite: write access to ".*inner" was refused: the program's permissions are derived from AGGREGATOR_SPOOL_PATH/,
    );
    assertPlainLines(stderr);
  } finally {
    await Deno.remove(spool, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});

/** stderr up to the line matching `until` (then stops reading). */
async function firstLines(stream: ReadableStream<Uint8Array>, until: RegExp): Promise<string> {
  let text = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    if (until.test(text)) break;
  }
  return text;
}

Deno.test("the final stats line is read before the spool closes and names what stays spooled", async () => {
  const datadog = scriptedServer(() => new Response("busy", { status: 503 }));
  await using aggregator = await AggregatorProcess.start({
    env: {
      AGGREGATOR_SHUTDOWN_TIMEOUT: "1s",
      AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
        api_key: SECRETS[0],
        series_url: `${datadog.url.href}api/v2/series`,
        retry_count: "0",
      }),
    },
  });
  const client = GrpcPublisher.start(aggregator.address);
  try {
    for (let n = 0; n < 3; n++) {
      await client.publishOk(
        { unixTime: BigInt(Math.floor(Date.now() / 1000)), pidsCurrent: BigInt(n) },
        tagHeaders("left"),
      );
    }
    await aggregator.waitFor(() => aggregator.lines.length === 3, 10_000, "stdout delivery");
    await aggregator.waitFor(() => datadog.received.length > 0, 10_000, "a Datadog attempt");
  } finally {
    await client.close();
  }
  const status = await aggregator.kill("SIGTERM");
  await datadog.close();
  console.log(aggregator.stderr);
  assert.equal(status.code, 0);
  const final = aggregator.stderr.split("\n").find((line) => line.includes("final stats"));
  assert.match(
    final ?? aggregator.stderr,
    /accepted=3 .*spool depth=3 .*points left spooled for the next start: datadog 3, stdout 0/,
  );
  assert.ok(
    aggregator.stderr.indexOf("final stats") < aggregator.stderr.indexOf("stopped\n"),
    "the final stats come before the process says it stopped",
  );
});

Deno.test("--check probes the spool and each destination and exits 0 or 1", async () => {
  let keyValid = true;
  const server = scriptedServer((request) => {
    if (request.url.pathname === "/api/v1/validate") {
      return keyValid ? Response.json({ valid: true }) : new Response("no", { status: 403 });
    }
    return new Response(null, { status: request.url.pathname === "/ping" ? 204 : 405 });
  });
  const spool = await Deno.makeTempDir();
  const metricsPort = freePort();
  const env = {
    AGGREGATOR_SPOOL_PATH: spool,
    AGGREGATOR_LISTEN_ADDRESS: `127.0.0.1:${freePort()}`,
    AGGREGATOR_METRICS_LISTEN_ADDRESS: `127.0.0.1:${metricsPort}`,
    AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
      api_key: SECRETS[0],
      series_url: `${server.url.href}api/v2/series`,
    }),
    AGGREGATOR_INFLUXDB_CONFIGURATION: JSON.stringify({
      address: server.url.href,
      database: "metrics",
    }),
    AGGREGATOR_PROMETHEUS_CONFIGURATION: JSON.stringify({
      url: `${server.url.href}api/v1/write`,
    }),
  };
  try {
    const passed = await runAggregator(env, ["--check"]);
    console.log(passed.stdout);
    assert.equal(passed.code, 0, passed.stdout + passed.stderr);
    assert.match(passed.stdout, /^configuration: valid$/m);
    assert.match(
      passed.stdout,
      /^OK {3}spool: .*spool\.sqlite opens for writing; points waiting: datadog 0, influxdb 0, prometheus 0$/m,
    );
    assert.match(
      passed.stdout,
      /^OK {3}datadog: the API key is valid for http:\/\/127\.0\.0\.1:\d+\/api\/v1\/validate \(Datadog site datadoghq\.com\)$/m,
    );
    assert.match(
      passed.stdout,
      /^OK {3}influxdb: http:\/\/127\.0\.0\.1:\d+\/ping answered HTTP 204$/m,
    );
    assert.match(
      passed.stdout,
      /^OK {3}listen: AGGREGATOR_LISTEN_ADDRESS=127\.0\.0\.1:\d+ is free$/m,
    );
    assert.match(
      passed.stdout,
      /^OK {3}listen: AGGREGATOR_METRICS_LISTEN_ADDRESS=127\.0\.0\.1:\d+ is free$/m,
    );
    // The probe's GET carries no points: a live receiver refuses it, which proves it is there.
    assert.match(
      passed.stdout,
      /^OK {3}prometheus: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write is reachable: it answered HTTP 405, as a live endpoint answers a probe that carries no points and no credentials$/m,
    );
    assert.match(passed.stdout, /^check passed: 6 checks$/m);
    assert.ok(!passed.stdout.includes(SECRETS[0]));

    keyValid = false;
    const failed = await runAggregator(env, ["--check"]);
    console.log(failed.stdout);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /^FAIL datadog: the API key was rejected by .* with HTTP 403/m);
    assert.match(failed.stdout, /^check failed: 1 of 6 checks failed$/m);

    keyValid = true;
    const taken = Deno.listen({ hostname: "127.0.0.1", port: metricsPort });
    const busy = await runAggregator(env, ["--check"]).finally(() => taken.close());
    console.log(busy.stdout);
    assert.equal(busy.code, 1);
    assert.match(
      busy.stdout,
      new RegExp(
        `^FAIL listen: AGGREGATOR_METRICS_LISTEN_ADDRESS=127\\.0\\.0\\.1:${metricsPort} ` +
          `is already in use by another process$`,
        "m",
      ),
    );
    assert.match(busy.stdout, /^OK {3}listen: AGGREGATOR_LISTEN_ADDRESS=.* is free$/m);
    assert.match(busy.stdout, /^check failed: 1 of 6 checks failed$/m);

    const typo = await runAggregator(
      {
        ...env,
        AGGREGATOR_DATADOG_CONFIGURATION: `{"api_key":"k","sit":"datadoghq.eu"}`,
      },
      ["--check"],
      ["--no-prompt", "--allow-env"],
    );
    assert.equal(typo.code, 2);
    assert.match(
      typo.stderr,
      /^AGGREGATOR_DATADOG_CONFIGURATION: unknown key "sit"; did you mean "site"\?/,
    );
  } finally {
    await server.close();
    await Deno.remove(spool, { recursive: true });
  }
});
