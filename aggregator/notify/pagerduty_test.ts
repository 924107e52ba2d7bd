import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { envFrom } from "../../shared/config/mod.ts";
import { notifyConfig } from "./config.ts";
import { setupLogging } from "../../shared/log.ts";
import { PagerDutyAlerts } from "./pagerduty.ts";
import { scriptedServer } from "../../tests/support/scripted_server.ts";

function notifyAt(url: URL) {
  return notifyConfig(envFrom({
    AGGREGATOR_TEXT_CONFIGURATION: "",
    AGGREGATOR_NOTIFY_CONFIGURATION: JSON.stringify({
      integration_key: "R0UT1NGKEY",
      incident_key: "metrics-loss",
      identifier: "aggregator-7",
      url: url.href,
    }),
  }))!;
}

/** The real timer, for waiting on the server while the fake clock stands still. */
const realSetTimeout = globalThis.setTimeout;
const pause = (ms: number) => new Promise((resolve) => realSetTimeout(resolve, ms));

/** A fake clock for the alerts' waits that only moves when the test ticks it. */
function fakeClock() {
  return FakeTimers.install({
    now: Date.parse("2026-11-25T12:00:00Z"),
    toFake: ["setTimeout", "clearTimeout", "Date"],
  });
}

async function until(condition: () => boolean, what: string) {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5_000) throw new Error(`timed out waiting for ${what}`);
    await pause(10);
  }
}

Deno.test("losses raise at most one PagerDuty trigger per minute; the rest follow in one alert", async () => {
  const server = scriptedServer(() => Response.json({ status: "success" }, { status: 202 }));
  const clock = fakeClock();
  const alerts = new PagerDutyAlerts(notifyAt(server.url));
  try {
    alerts.lost({ sink: "datadog", decision: "expired", points: 40, reason: "too old" });
    await until(() => server.received.length === 1, "the first alert");
    const first = JSON.parse(server.received[0].text);
    assert.equal(first.routing_key, "R0UT1NGKEY");
    assert.equal(first.event_action, "trigger");
    assert.equal(first.dedup_key, "metrics-loss");
    assert.equal(first.payload.source, "aggregator-7");
    assert.equal(first.payload.severity, "error");
    assert.equal(
      first.payload.summary,
      "mini-collector lost 40 metric points on aggregator-7: 40 too old for datadog",
    );
    assert.equal(server.received[0].headers.get("content-type"), "application/json");

    clock.tick(10_000);
    alerts.lost({ sink: "influxdb", decision: "dropped", points: 1000, reason: "HTTP 400: bad" });
    alerts.lost({ sink: "influxdb", decision: "dropped", points: 500, reason: "HTTP 400: bad" });
    clock.tick(49_999);
    await pause(100);
    assert.equal(server.received.length, 1, "a second alert within the minute");

    clock.tick(1);
    await until(() => server.received.length === 2, "the alert after the minute");
    const second = JSON.parse(server.received[1].text);
    assert.equal(
      second.payload.summary,
      "mini-collector lost 1500 metric points on aggregator-7: 1500 refused by influxdb",
    );
    assert.equal(second.payload.custom_details.losses.length, 2);

    clock.tick(10 * 60_000);
    await pause(100);
    assert.equal(server.received.length, 2, "no alert without a loss");
  } finally {
    await alerts.close();
    clock.uninstall();
    await server.close();
  }
});

Deno.test("an alert held back by the minute's limit is sent at shutdown, not dropped", async () => {
  const server = scriptedServer(() => Response.json({ status: "success" }, { status: 202 }));
  const alerts = new PagerDutyAlerts(notifyAt(server.url));
  try {
    alerts.lost({ sink: "datadog", decision: "expired", points: 3, reason: "older than 1 h" });
    await until(() => server.received.length === 1, "the first alert");
    alerts.lost({ sink: "influxdb", decision: "dropped", points: 8, reason: "HTTP 400: bad" });
    await pause(100);
    assert.equal(server.received.length, 1, "held back within the minute");
    await alerts.close();
    assert.equal(server.received.length, 2);
    assert.match(JSON.parse(server.received[1].text).payload.summary, /lost 8 metric points/);
  } finally {
    await server.close();
  }
});

Deno.test("a failing PagerDuty is logged and never thrown into delivery", async () => {
  const logs: string[] = [];
  setupLogging({ debug: false, json: false, write: (line) => logs.push(line) });
  const server = scriptedServer(() => new Response("invalid routing key", { status: 400 }));
  const alerts = new PagerDutyAlerts(notifyAt(server.url));
  try {
    alerts.lost({ sink: "datadog", decision: "dropped", points: 1, reason: "HTTP 403" });
    await alerts.close();
    assert.equal(server.received.length, 1);
    assert.ok(logs.some((line) => /HTTP 400: "?invalid routing key/.test(line)), logs.join(""));
  } finally {
    await server.close();
  }

  const unreachable = new PagerDutyAlerts(notifyAt(server.url));
  unreachable.lost({ sink: "datadog", decision: "dropped", points: 1, reason: "HTTP 403" });
  await unreachable.close();
  assert.ok(logs.some((line) => line.includes("cannot send the loss alert")), logs.join(""));
});

Deno.test("the summary reads naturally with the default identifier and mixed losses", async () => {
  const server = scriptedServer(() => Response.json({ status: "success" }, { status: 202 }));
  const config = notifyConfig(envFrom({
    AGGREGATOR_TEXT_CONFIGURATION: "",
    AGGREGATOR_NOTIFY_CONFIGURATION: JSON.stringify({ integration_key: "K", url: server.url.href }),
  }))!;
  const clock = fakeClock();
  const alerts = new PagerDutyAlerts(config);
  try {
    alerts.lost({ sink: "datadog", decision: "dropped", points: 1, reason: "HTTP 403" });
    await until(() => server.received.length === 1, "the first alert");
    alerts.lost({ sink: "datadog", decision: "dropped", points: 2, reason: "HTTP 403" });
    alerts.lost({ sink: "influxdb", decision: "expired", points: 5, reason: "too old" });
    clock.tick(60_000);
    await until(() => server.received.length === 2, "the second alert");
    const summaries = server.received.map((request) => JSON.parse(request.text).payload.summary);
    assert.deepEqual(summaries, [
      "mini-collector lost 1 metric point on aggregator: 1 refused by datadog",
      "mini-collector lost 7 metric points on aggregator: 2 refused by datadog, 5 too old for influxdb",
    ]);
  } finally {
    await alerts.close();
    clock.uninstall();
    await server.close();
  }
});
