import assert from "node:assert/strict";
import { formatStats, Stats } from "./stats.ts";

Deno.test("counters add up and print as one line", () => {
  const stats = new Stats();
  stats.call("publish");
  stats.call("publish_batch");
  stats.call("publish_batch");
  stats.accept(3);
  stats.accept(2);
  stats.reject("missing_tag");
  stats.reject("missing_tag");
  stats.reject("spool_full", 3);
  stats.count("stdout", "delivered", 4);
  stats.count("stdout", "delivered", 1);
  stats.count("datadog", "expired", 2);
  const snapshot = stats.snapshot({ depth: 7, oldestAgeMs: 61_400, bytes: 900, writable: false });
  assert.deepEqual(snapshot.sinks, { stdout: { delivered: 5 }, datadog: { expired: 2 } });
  assert.equal(
    formatStats(snapshot),
    "calls={publish:1,publish_batch:2} accepted=5 rejected={missing_tag:2,spool_full:3} stdout={delivered:5} datadog={expired:2} " +
      "spool depth=7 age=61s bytes=900 unwritable",
  );
});
