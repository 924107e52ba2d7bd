/**
 * The real aggregator, under its permission set, attacked by hostile clients
 * on 127.0.0.1: raw HTTP/2 frames (many unfinished streams, rapid reset,
 * connection floods, idle and silent connections, a trickled body), h2load,
 * and curl with compression bombs and an over-size body. After each attack
 * the process must be alive, answer a normal Publish within a second, and its
 * peak resident memory must stay within PEAK_MIB. Limits are the defaults
 * except the timeouts and connection caps, shortened so the suite is quick.
 * Every published attack class runs on the cleartext listener and again on
 * the mutual-TLS one, with the normal Publish there made over TLS.
 */
import assert from "node:assert/strict";
import { AggregatorProcess } from "./support/aggregator.ts";
import { withDeadline } from "./support/deadline.ts";
import { aggregatorTlsEnv, makePki, writeClientFiles } from "./support/certs.ts";
import {
  type AttackRow,
  attackTable,
  bomb,
  type ClientFiles,
  curlPost,
  frameAttack,
  h2load,
  health,
  probedDuring,
} from "./support/attack_clients.ts";
import {
  type AttackReport,
  cleartext,
  continuationFlood,
  dataDribble,
  emptyDataFlood,
  emptyHeadersFlood,
  ignoredHeadersFlood,
  madeYouReset,
  manyStreams,
  mutualTls,
  neverReads,
  type OpenConnection,
  pingFlood,
  priorityFlood,
  rapidReset,
  settingsFlood,
  unknownFrameFlood,
  windowUpdateFlood,
} from "./support/h2_attacks.ts";
import { ErrorCode, errorCodeName } from "../shared/http2/mod.ts";

const PEAK_MIB = 300;
const HANDSHAKE_S = 2;
const IDLE_S = 3;
const REQUEST_S = 3;
const PER_PEER = 50;
const ENV = {
  AGGREGATOR_HANDSHAKE_TIMEOUT: `${HANDSHAKE_S}s`,
  AGGREGATOR_IDLE_TIMEOUT: `${IDLE_S}s`,
  AGGREGATOR_REQUEST_TIMEOUT: `${REQUEST_S}s`,
  AGGREGATOR_MAX_CONNECTIONS_PER_PEER: String(PER_PEER),
};
/** No scenario may take longer than this. */
const SCENARIO_DEADLINE_MS = 60_000;

/** Seconds within [expected, expected + 1.5]: a timeout that fired on time. */
function onTime(seconds: unknown, expected: number): void {
  assert.ok(
    typeof seconds === "number" && seconds >= expected - 0.1 && seconds <= expected + 1.5,
    `closed after ${seconds} s, expected about ${expected} s`,
  );
}

Deno.test("the aggregator survives hostile clients", async (t) => {
  await using aggregator = await AggregatorProcess.start({ env: ENV });
  const rows: AttackRow[] = [];
  const scenario = async (name: string, attack: () => Promise<string>) => {
    const passed = await t.step(name, async () => {
      const notes = await withDeadline(attack(), SCENARIO_DEADLINE_MS, name);
      const after = await health(aggregator);
      rows.push({ scenario: name, result: "pass", ...after, notes });
      assert.ok(after.alive, `the aggregator died: ${aggregator.stderr.slice(-2000)}`);
      assert.equal(after.publishStatus, 200);
      assert.ok(after.publishMs < 1000, `a normal Publish took ${after.publishMs} ms`);
      assert.ok(after.peakMib <= PEAK_MIB, `peak RSS ${after.peakMib} MiB`);
    });
    if (!passed) {
      const row = rows.find((row) => row.scenario === name);
      if (row) row.result = "FAIL";
      else rows.push({ scenario: name, result: "FAIL", peakMib: NaN, publishMs: NaN, notes: "" });
    }
  };

  await scenario("10,000 unfinished streams on one connection", async () => {
    const report = await frameAttack("streams", aggregator.port, 10_000);
    assert.equal(report.advertised, 100, "SETTINGS_MAX_CONCURRENT_STREAMS");
    // Streams over the limit are refused (RST_STREAM REFUSED_STREAM); the
    // refusals count against the reset budget, which then ends the connection.
    assert.ok((report.rst as number) >= 1, "streams over the limit refused");
    assert.equal(report.closed, true, "the connection is closed");
    return `advertised ${report.advertised}; ${report.sent} HEADERS sent, ${report.rst} refused, ` +
      `GOAWAY ${report.goaway}`;
  });

  await scenario("rapid reset, 20,000 streams", async () => {
    const report = await frameAttack("reset", aggregator.port, 20_000);
    assert.equal(report.closed, true, "the connection is closed");
    assert.ok((report.goaway as number) >= 1, "GOAWAY (enhance your calm)");
    return `${report.sent} HEADERS+RST_STREAM written, GOAWAY ${report.goaway}, closed`;
  });

  await scenario(`200 connections from one peer (limit ${PER_PEER})`, async () => {
    const report = await frameAttack("connections", aggregator.port, 200);
    assert.equal(report.closed, 200 - PER_PEER, "connections over the limit closed at once");
    const load = await h2load(aggregator.port, 200, 400);
    assert.ok(load.succeeded >= PER_PEER, `h2load: ${load.succeeded} succeeded`);
    return `${report.closed} of ${report.opened} closed at once; h2load -c 200: ` +
      `${load.succeeded} ok, ${load.failed} failed`;
  });

  await scenario("idle connection after one call", async () => {
    const report = await frameAttack("idle", aggregator.port, 20);
    onTime(report.seconds, IDLE_S);
    assert.ok((report.goaway as number) >= 1, "GOAWAY before closing");
    return `GOAWAY and closed after ${report.seconds} s (idle timeout ${IDLE_S} s)`;
  });

  await scenario("silent TCP connection", async () => {
    const report = await frameAttack("silent", aggregator.port, 20);
    onTime(report.seconds, HANDSHAKE_S);
    assert.equal(report.closed, true);
    return `closed after ${report.seconds} s (handshake timeout ${HANDSHAKE_S} s)`;
  });

  await scenario("body at 1 byte/s", async () => {
    const report = await frameAttack("slow", aggregator.port, 20);
    onTime(report.seconds, REQUEST_S);
    assert.equal(report.rst, 1, "the stream is reset");
    return `stream reset after ${report.seconds} s, ${report.bytes} bytes (request timeout ${REQUEST_S} s)`;
  });

  await scenario("br-compressed 16 MiB bomb", async () => {
    const body = bomb("br", 16 << 20);
    const answer = await curlPost(aggregator.port, aggregator.directory, body, [
      "content-encoding: br",
    ]);
    // 92: curl saw the stream reset that follows an answer given before the upload ended.
    assert.ok([0, 92].includes(answer.exitCode), `curl exit code ${answer.exitCode}`);
    assert.equal(answer.status, 501, "unimplemented");
    if (answer.exitCode === 0) assert.match(answer.body, /unimplemented/);
    assert.ok(answer.ms < 1000, `answered in ${answer.ms} ms`);
    return `${body.length} B: HTTP ${answer.status} unimplemented in ${answer.ms} ms`;
  });

  await scenario("gzip-compressed 16 MiB bomb", async () => {
    const body = bomb("gzip", 16 << 20);
    const answer = await curlPost(aggregator.port, aggregator.directory, body, [
      "content-encoding: gzip",
    ]);
    // 92: curl saw the stream reset that follows an answer given before the upload ended.
    assert.ok([0, 92].includes(answer.exitCode), `curl exit code ${answer.exitCode}`);
    assert.equal(answer.status, 429, "resource_exhausted");
    if (answer.exitCode === 0) assert.match(answer.body, /resource_exhausted/);
    assert.ok(answer.ms < 1000, `answered in ${answer.ms} ms`);
    return `${body.length} B: HTTP ${answer.status} resource_exhausted in ${answer.ms} ms`;
  });

  await scenario("20 MB body, stream closed after the refusal", async () => {
    const answer = await curlPost(aggregator.port, aggregator.directory, new Uint8Array(20e6));
    // 0, or 92 when curl sees the RST_STREAM(NO_ERROR) that ends the upload
    // before it has read the whole answer; 28 would mean it hung to --max-time.
    assert.ok([0, 92].includes(answer.exitCode), `curl exit code ${answer.exitCode}`);
    assert.equal(answer.status, 429, "resource_exhausted");
    assert.ok(answer.ms < 2000, `answered in ${answer.ms} ms`);
    return `HTTP ${answer.status}, curl exit ${answer.exitCode} after ${answer.ms} ms`;
  });

  console.log(`\n${attackTable(rows)}\n`);
  assert.deepEqual(rows.filter((row) => row.result !== "pass").map((row) => row.scenario), []);
});

/** How long each flood runs. */
const FLOOD_S = 4;
/** The slowest a normal call during an attack may be. */
const PROBE_LIMIT_MS = 1_000;

Deno.test("every published HTTP/2 attack class, on the cleartext listener", async (t) => {
  await using aggregator = await AggregatorProcess.start();
  await attackClasses(t, aggregator, cleartext(aggregator.port));
});

Deno.test("every published HTTP/2 attack class, on the mutual-TLS listener", async (t) => {
  const pki = await makePki();
  await using aggregator = await AggregatorProcess.start({ env: aggregatorTlsEnv(pki) });
  const files = await writeClientFiles(aggregator.directory, pki);
  await attackClasses(t, aggregator, mutualTls(aggregator.port, pki), files);
});

/**
 * Each attack class on the listener `open` reaches, with a normal Publish
 * (over mutual TLS with `tls`) on other connections during and after it.
 */
async function attackClasses(
  t: Deno.TestContext,
  aggregator: AggregatorProcess,
  open: OpenConnection,
  tls?: ClientFiles,
): Promise<void> {
  const rows: AttackRow[] = [];
  const attackClass: AttackClass = async (name, attack, check) => {
    const passed = await t.step(name, async () => {
      const { report, slowestMs, probes } = await withDeadline(
        probedDuring(aggregator, attack(), tls),
        SCENARIO_DEADLINE_MS,
        name,
      );
      const after = await health(aggregator, tls);
      const notes = `${report.sent} sent, GOAWAY ${report.goaway.join(",") || "none"}, ` +
        `${report.rst} RST, ${report.closed} closed in ${report.seconds} s; ` +
        `slowest of ${probes} calls during it ${slowestMs} ms`;
      rows.push({ scenario: name, result: "pass", ...after, notes });
      assert.ok(after.alive, `the aggregator died: ${aggregator.stderr.slice(-2000)}`);
      assert.ok(slowestMs < PROBE_LIMIT_MS, `a call during the attack took ${slowestMs} ms`);
      assert.equal(after.publishStatus, 200);
      assert.ok(after.publishMs < 1000, `a normal Publish took ${after.publishMs} ms`);
      assert.ok(after.peakMib <= PEAK_MIB, `peak RSS ${after.peakMib} MiB`);
      check(report);
    });
    if (!passed) {
      const row = rows.find((row) => row.scenario === name);
      if (row) row.result = "FAIL";
      else rows.push({ scenario: name, result: "FAIL", peakMib: NaN, publishMs: NaN, notes: "" });
    }
  };
  const calmedDown = (report: AttackReport) => {
    assert.deepEqual(report.goaway, ["ENHANCE_YOUR_CALM"]);
    assert.equal(report.closed, 1);
  };

  await attackClass("CVE-2019-9512 ping flood", () => pingFlood(open, FLOOD_S), calmedDown);
  await attackClass(
    "CVE-2019-9515 settings flood (2,730 entries each)",
    () => settingsFlood(open, FLOOD_S),
    calmedDown,
  );
  await attackClass("CVE-2019-9513 PRIORITY flood", () => priorityFlood(open, FLOOD_S), calmedDown);
  await attackClass(
    "CVE-2019-9518 empty DATA frames",
    () => emptyDataFlood(open, FLOOD_S),
    calmedDown,
  );
  await attackClass(
    "WINDOW_UPDATE flood",
    () => windowUpdateFlood(open, FLOOD_S),
    calmedDown,
  );
  await attackClass(
    "unknown frame types",
    () => unknownFrameFlood(open, FLOOD_S),
    calmedDown,
  );
  await attackClass(
    "HEADERS again and again on a stream the server refused",
    () => ignoredHeadersFlood(open, FLOOD_S),
    calmedDown,
  );
  await attackClass(
    "CVE-2024-27316 empty CONTINUATION frames",
    () => continuationFlood(open, FLOOD_S),
    calmedDown,
  );
  await attackClass(
    "CONTINUATION frames of 100 bytes",
    () => continuationFlood(open, FLOOD_S, 100),
    (report) => assert.equal(report.closed, 1),
  );
  await attackClass(
    "CVE-2019-9516 zero-length header fields",
    () => emptyHeadersFlood(open, FLOOD_S),
    (report) => assert.equal(report.closed, 1),
  );
  for (const code of [ErrorCode.CANCEL, ErrorCode.NO_ERROR]) {
    await attackClass(
      `CVE-2023-44487 rapid reset with ${errorCodeName(code)}`,
      () => rapidReset(open, FLOOD_S, code),
      calmedDown,
    );
  }
  for (const provocation of ["second-headers", "window-update-0"] as const) {
    await attackClass(
      `CVE-2025-8671 MadeYouReset: ${provocation}`,
      () => madeYouReset(open, FLOOD_S, provocation),
      calmedDown,
    );
  }
  await attackClass(
    "CVE-2019-9514 reset flood: malformed requests",
    () => madeYouReset(open, FLOOD_S, "malformed-headers"),
    calmedDown,
  );
  await attackClass(
    "CVE-2019-9511 data dribble",
    () => dataDribble(open, FLOOD_S),
    (report) => assert.equal(report.closed, 1),
  );
  await attackClass(
    "CVE-2019-9517 24 clients that never read, PINGs",
    () => neverReads(open, 24, FLOOD_S, "ping"),
    (report) => assert.equal(report.closed, 24),
  );
  await attackClass(
    "CVE-2019-9517 24 clients that never read, requests",
    () => neverReads(open, 24, FLOOD_S, "requests"),
    (report) => assert.equal(report.closed, 24),
  );
  // h2load presents no client certificate: the load row runs in cleartext only.
  if (!tls) await fullSpeed(aggregator, attackClass);
  await attackClass(
    "150 connections x 100 streams, 10 kB of body each",
    () => manyStreams(open, 150, 100, 10_000, 2 * FLOOD_S),
    (report) => assert.ok(report.sent >= 150 * 100, `${report.sent} streams`),
  );

  console.log(`\n${attackTable(rows)}\n`);
  assert.deepEqual(rows.filter((row) => row.result !== "pass").map((row) => row.scenario), []);
}

type AttackClass = (
  name: string,
  attack: () => Promise<AttackReport>,
  check: (report: AttackReport) => void,
) => Promise<void>;

/** One connection carrying h2load's 100 streams at once, as fast as it goes. */
async function fullSpeed(aggregator: AggregatorProcess, attackClass: AttackClass): Promise<void> {
  await attackClass(
    "one connection at full speed: h2load, 100 streams at once",
    async () => {
      const start = performance.now();
      const load = await h2load(aggregator.port, 1, 20_000, 100);
      assert.equal(load.failed, 0);
      return {
        sent: load.succeeded,
        goaway: [],
        rst: 0,
        closed: 0,
        seconds: Math.round(performance.now() - start) / 1000,
      };
    },
    () => {},
  );
}
