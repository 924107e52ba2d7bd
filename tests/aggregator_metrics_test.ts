/**
 * The real aggregator's metrics listener (AGGREGATOR_METRICS_LISTEN_ADDRESS),
 * under its own permission set: a real Prometheus 2.x scrapes `/metrics`
 * every second, and what it reads back with PromQL matches the Publish calls
 * a gRPC client sent (accepted, refused by reason, delivered, their latency).
 * `GET /healthz` over plain HTTP/1.1 answers 200 while the aggregator serves,
 * and 503 while it drains on SIGTERM and while its spool cannot be written.
 *
 * @module
 */
import assert from "node:assert/strict";
import { AggregatorProcess, freePort } from "./support/aggregator.ts";
import { GrpcPublisher } from "./support/grpc_publisher.ts";
import {
  instantQuery,
  prometheusMissing,
  SCRAPE_JOB,
  startPrometheus,
} from "./support/prometheus_receiver.ts";
import { tagHeaders } from "./support/publish_tags.ts";
import { waitUntil } from "./support/until.ts";
import { withDeadline } from "./support/deadline.ts";

const promMissing = prometheusMissing();
if (promMissing) console.log(`skipping the Prometheus scrape test: ${promMissing}`);

const PREFIX = "mini_collector_aggregator_";

/** An aggregator with its metrics listener on a free loopback port. */
async function startWithMetrics(env: Record<string, string> = {}) {
  const address = `127.0.0.1:${freePort()}`;
  const aggregator = await AggregatorProcess.start({
    env: { AGGREGATOR_METRICS_LISTEN_ADDRESS: address, ...env },
  });
  assert.match(aggregator.stderr, new RegExp(`listening on .*metrics ${address}`));
  return { aggregator, address, base: `http://${address}` };
}

async function get(url: string): Promise<[number, string]> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return [response.status, await response.text()];
}

/** The value of a metric line in an exposition, e.g. `…_serving 1`. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split("\n").find((line) => line.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function withoutTag(headers: Record<string, string>, tag: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name !== tag));
}

Deno.test({
  name: "Prometheus scrapes the counters of what was published, delivered and refused",
  ignore: promMissing !== undefined,
  async fn() {
    const { aggregator, address, base } = await startWithMetrics();
    await using _aggregator = aggregator;
    const prometheus = await startPrometheus(address);
    const client = GrpcPublisher.start(aggregator.address);
    try {
      const now = BigInt(Math.floor(Date.now() / 1000));
      for (let n = 0; n < 5; n++) {
        await client.publishOk({ unixTime: now, milliCpuUsage: BigInt(n) }, tagHeaders(`c${n}`));
      }
      for (let n = 0; n < 2; n++) {
        const answer = await client.publish(
          { unixTime: now },
          withoutTag(tagHeaders(`bad${n}`), "service"),
        );
        assert.equal(answer.code, 3, JSON.stringify(answer));
      }
      await aggregator.waitFor(() => aggregator.lines.length === 5, 10_000, "5 points on stdout");
      assert.deepEqual(await get(`${base}/healthz`), [200, "serving\n"]);

      const value = async (promql: string) => {
        const result = await instantQuery(prometheus, promql);
        assert.ok(result.length <= 1, `${promql}: ${JSON.stringify(result)}`);
        return result[0]?.value;
      };
      const delivered = `${PREFIX}sink_points_total{sink="stdout",decision="delivered"}`;
      await waitUntil(
        async () => await value(delivered) === 5,
        20_000,
        `Prometheus to scrape 5 delivered points (${delivered})`,
      );
      assert.equal(await value(`up{job="${SCRAPE_JOB}"}`), 1);
      assert.equal(await value(`${PREFIX}points_accepted_total`), 5);
      assert.equal(await value(`${PREFIX}points_rejected_total{reason="missing_tag"}`), 2);
      assert.equal(await value(`${PREFIX}calls_total{method="publish"}`), 7);
      assert.equal(
        await value(`${PREFIX}delivery_latency_seconds_count{sink="stdout"}`),
        5,
      );
      const latency = await value(`${PREFIX}delivery_latency_seconds_sum{sink="stdout"}`);
      assert.ok(latency! > 0 && latency! < 30, `latency sum ${latency}`);
      assert.equal(await value(`${PREFIX}spool_writable`), 1);
      assert.equal(await value(`${PREFIX}serving`), 1);
      assert.equal(await value(`${PREFIX}spool_points`), 0);
      const rss = await value(`process_resident_memory_bytes{job="${SCRAPE_JOB}"}`);
      assert.ok(rss! > 10 << 20 && rss! < 1 << 30, `resident memory ${rss}`);
    } finally {
      await client.close();
      await prometheus.stop();
    }
  },
});

Deno.test("/healthz answers 503 while the aggregator drains on SIGTERM", async () => {
  // A Prometheus remote-write destination that holds every request until released.
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  const { promise: held, resolve: holding } = Promise.withResolvers<void>();
  const destinationPort = freePort();
  const destination = Deno.serve(
    { hostname: "127.0.0.1", port: destinationPort, onListen() {} },
    async (request) => {
      holding();
      await request.body?.cancel();
      await released;
      return new Response(null, { status: 204 });
    },
  );
  try {
    const { aggregator, base } = await startWithMetrics({
      AGGREGATOR_PROMETHEUS_CONFIGURATION: JSON.stringify({
        url: `http://127.0.0.1:${destinationPort}/api/v1/write`,
        timeout: "30s",
      }),
      AGGREGATOR_SHUTDOWN_TIMEOUT: "20s",
    });
    await using _aggregator = aggregator;
    const client = GrpcPublisher.start(aggregator.address);
    try {
      await client.publishOk({ unixTime: BigInt(Math.floor(Date.now() / 1000)) }, tagHeaders("d"));
    } finally {
      await client.close();
    }
    await withDeadline(held, 10_000, "the Prometheus sink's delivery to reach the destination");
    assert.deepEqual(await get(`${base}/healthz`), [200, "serving\n"]);
    const exited = aggregator.kill("SIGTERM");
    await waitUntil(
      async () => (await get(`${base}/healthz`))[0] === 503,
      10_000,
      "/healthz to answer 503 during the drain",
    );
    assert.deepEqual(await get(`${base}/healthz`), [503, "not serving\n"]);
    const [status, exposition] = await get(`${base}/metrics`);
    assert.equal(status, 200);
    assert.equal(sample(exposition, `${PREFIX}serving`), 0);
    assert.equal(sample(exposition, `${PREFIX}spool_points`), 1);
    release();
    assert.equal((await exited).code, 0);
    assert.match(aggregator.stderr, /prometheus=\{[^}]*delivered:1/);
    await assert.rejects(fetch(`${base}/healthz`), TypeError);
  } finally {
    release();
    await destination.shutdown();
  }
});

Deno.test("/healthz answers 503 and spool_writable is 0 when the spool cannot be written", async () => {
  const blocker = await Deno.makeTempFile({ prefix: "mini-collector-not-a-dir-" });
  try {
    const { aggregator, base } = await startWithMetrics({
      AGGREGATOR_SPOOL_PATH: `${blocker}/spool`,
    });
    await using _aggregator = aggregator;
    assert.deepEqual(await get(`${base}/healthz`), [503, "not serving\n"]);
    const [, exposition] = await get(`${base}/metrics`);
    assert.equal(sample(exposition, `${PREFIX}spool_writable`), 0);
    assert.equal(sample(exposition, `${PREFIX}serving`), 0);
  } finally {
    await Deno.remove(blocker);
  }
});
