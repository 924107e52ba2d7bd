/**
 * One writer per spool, with real processes: a second aggregator started on
 * the spool of a running one refuses to start and names the holder's pid;
 * once the holder is killed with SIGKILL (no chance to clean up), an
 * aggregator starts on that spool at once.
 */
import assert from "node:assert/strict";
import { AggregatorProcess } from "./support/aggregator.ts";

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
