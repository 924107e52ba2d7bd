/**
 * The status page in a real browser: the real aggregator, under its own
 * permission set, takes PublishBatch calls from the collector's gRPC client;
 * Debian's headless Chromium (tests/support/chromium.ts) shows `GET /` from
 * its metrics listener. The page lists exactly the containers fed, shows a
 * changed value within two publish intervals, a stopped container as stopped,
 * a sink whose destination is down with its error and a growing spool, no
 * secret (a destination that echoes the API key), agrees with
 * `/api/status`, stays within a phone's width, and the browser sends nothing
 * to any host but the aggregator.
 *
 * Set STATUS_PAGE_SCREENSHOT to a path to keep screenshots of the page (a
 * desktop one there, a phone one beside it).
 *
 * @module
 */
import assert from "node:assert/strict";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type AggregatorClient, connectAggregator } from "../collector/transport.ts";
import { PublishRequestSchema } from "../shared/gen/aggregator_pb.ts";
import { AggregatorProcess, freePort } from "./support/aggregator.ts";
import { Chromium, chromiumMissing, type Page } from "./support/chromium.ts";
import { until, waitUntil } from "./support/until.ts";

const missing = chromiumMissing();
if (missing) console.log(`skipping the status page browser test: ${missing}`);

/** AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY, which the page polls at. */
const PUBLISH_INTERVAL_MS = 1_000;
const API_KEY = "dd-secret-key-0123456789abcdef";
const BEARER_TOKEN = "prom-secret-token-fedcba9876543210";

type Fields = MessageInitShape<typeof PublishRequestSchema>;

interface Fed {
  container: string;
  environment: string;
  service: string;
  fields: Fields;
}

const CONTAINERS: Fed[] = [
  {
    container: "web-1",
    environment: "production",
    service: "web",
    fields: {
      running: true,
      milliCpuUsage: 250n,
      cpuLimitMilli: 1000n,
      memoryTotalMb: 300n,
      memoryLimitMb: 512n,
      diskReadKbps: 12n,
      diskWriteKbps: 3n,
      pidsCurrent: 7n,
      pidsLimit: 100n,
    },
  },
  {
    container: "web-2",
    environment: "staging",
    service: "web",
    fields: { running: true, milliCpuUsage: 40n, memoryTotalMb: 90n, memoryLimitMb: 256n },
  },
  {
    container: "worker-1",
    environment: "production",
    service: "worker",
    fields: { running: false, milliCpuUsage: 0n, memoryTotalMb: 0n, memoryLimitMb: 1024n },
  },
];

/** The rows the page shows, cell texts by field, keyed by container. */
const ROWS = `Object.fromEntries([...document.querySelectorAll("#containers tbody tr")].map((tr) =>
  [tr.dataset.container, Object.fromEntries([...tr.cells].filter((td) => td.dataset.field)
    .map((td) => [td.dataset.field, td.textContent])) ]))`;

/** The destinations the page shows, cell texts by field, keyed by sink. */
const SINKS =
  `Object.fromEntries([...document.querySelectorAll("#destinations tbody tr")].map((tr) =>
  [tr.dataset.sink, Object.fromEntries([...tr.cells].map((td) => [td.dataset.field, td.textContent]))]))`;

type Cells = Record<string, Record<string, string>>;

function publish(client: AggregatorClient, fed: readonly Fed[]) {
  const unixTime = BigInt(Math.floor(Date.now() / 1000));
  return client.publishBatch({
    points: fed.map(({ container, environment, service, fields }) => ({
      tags: { container, environment, service, host_name: "host-a" },
      point: create(PublishRequestSchema, { unixTime, ...fields }),
    })),
  }, { timeoutMs: 5_000 });
}

/** A Datadog stand-in that refuses every request, quoting the API key it was sent. */
function echoingDatadog(port: number) {
  return Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (request) => {
    await request.body?.cancel();
    return new Response(`{"errors":["API key ${request.headers.get("dd-api-key")} is invalid"]}`, {
      status: 403,
    });
  });
}

interface ApiStatus {
  containers: { tags: { container: string }; running: boolean; metrics: Record<string, number> }[];
  destinations: { sink: string; spoolDepth: number; lastError: { message: string } | null }[];
}

/** Where the page differs from /api/status fetched just before its rows are read. */
async function disagreements(page: Page): Promise<string[]> {
  const [status, rows, sinks] = await page.evaluate<[ApiStatus, Cells, Cells]>(
    `fetch("api/status").then((r) => r.json()).then((status) => [status, ${ROWS}, ${SINKS}])`,
  );
  const differences: string[] = [];
  const differ = (what: string, page: unknown, json: unknown) => {
    if (page !== json) differences.push(`${what}: page ${page}, JSON ${json}`);
  };
  const containers = (names: string[]) => names.sort().join(",");
  differ(
    "containers",
    containers(Object.keys(rows)),
    containers(status.containers.map((c) => c.tags.container)),
  );
  for (const { tags, running, metrics } of status.containers) {
    const row = rows[tags.container];
    if (!row) continue;
    differ(`${tags.container} state`, row.state, running ? "running" : "stopped");
    differ(
      `${tags.container} cpu`,
      row.cpu.split(" ")[0],
      (metrics.milli_cpu_usage / 1000).toFixed(2),
    );
    differ(`${tags.container} memory`, row.memory.split(" ")[0], String(metrics.memory_total_mb));
  }
  differ("sinks", Object.keys(sinks).join(","), status.destinations.map((d) => d.sink).join(","));
  for (const { sink, spoolDepth, lastError } of status.destinations) {
    differ(`${sink} depth`, sinks[sink]?.depth, spoolDepth.toLocaleString("en-US"));
    differ(
      `${sink} error`,
      sinks[sink]?.error.replace(/^\d\d:\d\d:\d\d: /, ""),
      lastError?.message ?? "none",
    );
  }
  return differences;
}

Deno.test({
  name: "the status page shows the containers, destinations and intake live, and nothing secret",
  ignore: missing !== undefined,
  async fn() {
    const datadogPort = freePort();
    const datadog = echoingDatadog(datadogPort);
    const metrics = `127.0.0.1:${freePort()}`;
    const base = `http://${metrics}`;
    const aggregator = await AggregatorProcess.start({
      env: {
        AGGREGATOR_METRICS_LISTEN_ADDRESS: metrics,
        AGGREGATOR_MINIMUM_PUBLISH_FREQUENCY: `${PUBLISH_INTERVAL_MS}ms`,
        AGGREGATOR_DATADOG_CONFIGURATION: JSON.stringify({
          api_key: API_KEY,
          series_url: `http://127.0.0.1:${datadogPort}/api/v2/series`,
          retry_count: "0",
        }),
        // Nothing listens there: the destination is down.
        AGGREGATOR_PROMETHEUS_CONFIGURATION: JSON.stringify({
          url: `http://127.0.0.1:${freePort()}/api/v1/write`,
          bearer_token: BEARER_TOKEN,
          timeout: "1s",
          retry_count: "0",
        }),
      },
    });
    const { client, close } = connectAggregator({
      protocol: "grpc",
      tls: undefined,
      remoteAddress: { host: "127.0.0.1", port: aggregator.port },
    });
    const browser = await Chromium.launch();
    try {
      assert.deepEqual((await publish(client, CONTAINERS)).rejected, []);
      const page = await browser.newPage();
      await page.resize(1280, 900);
      await page.goto(`${base}/`);

      // Exactly the containers fed, the stopped one as stopped.
      await waitUntil(
        async () => Object.keys(await page.evaluate<Cells>(ROWS)).length === CONTAINERS.length,
        10_000,
        "the page to list the containers fed",
      );
      const rows = await page.evaluate<Cells>(ROWS);
      assert.deepEqual(Object.keys(rows).sort(), CONTAINERS.map((c) => c.container).sort());
      assert.equal(rows["worker-1"].state, "stopped");
      assert.equal(rows["web-1"].state, "running");
      assert.equal(rows["web-1"].cpu, "0.25 / 1.00 cores");
      assert.equal(rows["web-1"].memory, "300 / 512 MB");
      assert.equal(rows["web-1"].pids, "7 / 100");
      assert.match(rows["web-1"].tags, /^web-1production · web · host-a$/);

      // A value changes on the page within two publish intervals of changing in a point.
      const [web1] = CONTAINERS;
      assert.deepEqual(
        (await publish(client, [{ ...web1, fields: { ...web1.fields, milliCpuUsage: 750n } }]))
          .rejected,
        [],
      );
      const published = Date.now();
      const shown = await until(
        async () => (await page.evaluate<Cells>(ROWS))["web-1"].cpu === "0.75 / 1.00 cores",
        2 * PUBLISH_INTERVAL_MS,
        25,
      );
      assert.ok(shown, `the new CPU value not shown within ${Date.now() - published} ms`);
      // A container that stops shows as stopped, as fast.
      const web2 = CONTAINERS[1];
      await publish(client, [{ ...web2, fields: { ...web2.fields, running: false } }]);
      const stopped = Date.now();
      assert.ok(
        await until(
          async () => (await page.evaluate<Cells>(ROWS))["web-2"].state === "stopped",
          2 * PUBLISH_INTERVAL_MS,
          25,
        ),
        `web-2 not shown stopped within ${Date.now() - stopped} ms`,
      );
      await publish(client, [web2]);

      // The down destination: its error, and a spool that grows with each call.
      await waitUntil(
        async () => /network error/.test((await page.evaluate<Cells>(SINKS)).prometheus?.error),
        15_000,
        "the Prometheus sink's error on the page",
      );
      const depthBefore = Number((await page.evaluate<Cells>(SINKS)).prometheus.depth);
      assert.ok(depthBefore >= 4, `prometheus spool depth ${depthBefore}`);
      await publish(client, CONTAINERS);
      await waitUntil(
        async () =>
          Number((await page.evaluate<Cells>(SINKS)).prometheus.depth) >=
            depthBefore + CONTAINERS.length,
        3 * PUBLISH_INTERVAL_MS,
        "the Prometheus sink's spool depth to grow on the page",
      );
      // Datadog refused with the key in its answer: shown, masked.
      await waitUntil(
        async () =>
          /API key \*\*\* is invalid/.test((await page.evaluate<Cells>(SINKS)).datadog?.error),
        15_000,
        "the Datadog sink's error, its key masked",
      );
      assert.equal((await page.evaluate<Cells>(SINKS)).stdout.error, "none");

      // No secret anywhere, on the page or in the JSON.
      const html = await page.evaluate<string>("document.documentElement.outerHTML");
      const json = await (await fetch(`${base}/api/status`)).text();
      for (const secret of [API_KEY, BEARER_TOKEN]) {
        assert.ok(!html.includes(secret), "a secret on the page");
        assert.ok(!json.includes(secret), "a secret in /api/status");
      }

      // The JSON matches the page: /api/status against the page's rows once its next poll drew it.
      let differences: string[] = [];
      await waitUntil(
        async () => (differences = await disagreements(page)).length === 0,
        4 * PUBLISH_INTERVAL_MS,
        "the page to agree with /api/status",
      ).catch((error) => assert.fail(`${error.message}: ${differences.join("; ")}`));

      // Sorting and filtering.
      await page.evaluate(`document.querySelector('th[data-sort="cpu"]').click()`);
      assert.deepEqual(
        await page.evaluate(
          `[...document.querySelectorAll("#containers tbody tr")].map((tr) => tr.dataset.container)`,
        ),
        ["worker-1", "web-2", "web-1"],
      );
      await page.evaluate(`(() => { const select = document.getElementById("environment");
        select.value = "production"; select.dispatchEvent(new Event("change")); })()`);
      assert.deepEqual(Object.keys(await page.evaluate<Cells>(ROWS)).sort(), ["web-1", "worker-1"]);

      // Intake: calls by method and the collector host.
      const intake = await page.evaluate<string>(`document.getElementById("calls").textContent +
        document.getElementById("collectors").textContent`);
      assert.match(intake, /publish_batch/);
      assert.match(intake, /host-a3/);

      const screenshot = Deno.env.get("STATUS_PAGE_SCREENSHOT");
      if (screenshot) await page.screenshot(screenshot);
      // A phone: everything within its width, no sideways scrolling.
      await page.resize(390, 844, true);
      await page.evaluate(`(() => { const select = document.getElementById("environment");
        select.value = ""; select.dispatchEvent(new Event("change")); })()`);
      const [scrollWidth, width] = await page.evaluate<[number, number]>(
        "[document.documentElement.scrollWidth, window.innerWidth]",
      );
      assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide on a ${width} px phone`);
      if (screenshot) await page.screenshot(screenshot.replace(/(\.png)?$/, "-phone.png"));

      // Every request the browser made went to the aggregator.
      assert.deepEqual(browser.proxied, []);
      const hosts = new Set(page.requests.map((url) => new URL(url).host));
      assert.deepEqual([...hosts], [metrics]);
      assert.ok(page.requests.filter((url) => url.endsWith("/api/status")).length >= 3);
      assert.deepEqual(page.errors, [], "errors in the page or refused by its policy");
    } finally {
      await browser.close();
      close();
      await aggregator.close();
      await datadog.shutdown();
    }
  },
});
