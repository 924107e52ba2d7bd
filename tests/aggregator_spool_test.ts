/**
 * The spool across real processes. One writer per spool: a second aggregator
 * started on the spool of a running one refuses to start and names the
 * holder's pid; once the holder is killed with SIGKILL (no chance to clean
 * up), an aggregator starts on that spool at once. Format: a spool written by
 * the release before format 2 (tests/fixtures/spool_v1) is delivered whole.
 */
import assert from "node:assert/strict";
import { AggregatorProcess } from "./support/aggregator.ts";
import { FIXTURE_CALLS } from "./fixtures/spool_v1/generate.ts";

Deno.test("a second aggregator on a spool in use refuses to start; kill -9 frees it", async () => {
  await using holder = await AggregatorProcess.start();
  const env = { AGGREGATOR_SPOOL_PATH: holder.env.AGGREGATOR_SPOOL_PATH };
  const refused = await AggregatorProcess.start({ env }).then(
    (second) => second.close().then(() => assert.fail("the second aggregator started")),
    (error: Error) => error.message,
  );
  assert.match(refused, new RegExp(`locked by another aggregator \\(pid ${holder.pid}\\)`));
  assert.match(refused, /only one aggregator may use a spool/);

  await holder.kill("SIGKILL");
  await using successor = await AggregatorProcess.start({ env });
  assert.ok(successor.pid);
});

Deno.test("a format-1 spool from the release before is delivered whole by this one", async () => {
  const spool = await Deno.makeTempDir({ prefix: "mini-collector-spool-v1-" });
  try {
    await Deno.copyFile(
      new URL("./fixtures/spool_v1/spool.sqlite", import.meta.url).pathname,
      `${spool}/spool.sqlite`,
    );
    await using aggregator = await AggregatorProcess.start({
      env: { AGGREGATOR_SPOOL_PATH: spool },
    });
    const expected = FIXTURE_CALLS.flat();
    await aggregator.waitFor(
      () => aggregator.lines.length >= expected.length,
      20_000,
      `${expected.length} points on stdout`,
    );
    const delivered = aggregator.points().map(({ unix_time, tags, metrics }) => ({
      time: unix_time,
      tags,
      metrics,
    }));
    assert.deepEqual(delivered, expected);
    assert.match(
      aggregator.stderr,
      new RegExp(`spool migrated from format 1 to 2: ${expected.length} points kept`),
    );
  } finally {
    await Deno.remove(spool, { recursive: true });
  }
});
