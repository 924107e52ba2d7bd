import assert from "node:assert/strict";
import type { Point } from "../stored_point.ts";
import { Stats } from "../stats.ts";
import { SpoolFull, SpoolUnavailable } from "./refusal.ts";
import { SpoolLocked } from "./lock.ts";
import { encodeRow } from "./rows/mod.ts";
import { OVERFLOW_DECISION, ROW_OVERHEAD_BYTES, Spool, type SpoolOptions } from "./spool.ts";

function point(n: number): Point {
  return {
    time: 1_700_000_000 + n,
    // A character outside the BMP: 4 bytes of UTF-8, 2 UTF-16 units, 1 SQLite character.
    tags: { environment: "e", service: "s🚀", container: `c${n}`, host_name: "h" },
    metrics: { running: 1, milli_cpu_usage: n },
  };
}

/** Bytes a call of `points` takes in the spool, for cap arithmetic. */
function size(...points: Point[]): number {
  return encodeRow(points).length + ROW_OVERHEAD_BYTES;
}

async function withSpool(
  options: Partial<SpoolOptions>,
  body: (spool: Spool, stats: Stats, directory: string) => Promise<void>,
): Promise<void> {
  const directory = await Deno.makeTempDir({ prefix: "spool-test-" });
  const stats = new Stats();
  const spool = new Spool({
    directory,
    maxBytes: 1 << 20,
    sinks: ["a", "b"],
    counters: stats,
    ...options,
  });
  try {
    spool.open();
    await body(spool, stats, directory);
  } finally {
    await spool.close();
    await Deno.remove(directory, { recursive: true });
  }
}

/** A point read back, as a plain object. */
function plain({ time, tags, metrics }: Point): Point {
  return { time, tags, metrics };
}

const containers = (spool: Spool, sink: string) =>
  spool.read(sink, 100).map((spooled) => spooled.point.tags.container);

Deno.test("each sink reads from its own cursor; points go once every sink passed them", async () => {
  await withSpool({}, async (spool) => {
    await Promise.all([1, 2, 3].map((n) => spool.append([point(n)])));
    assert.deepEqual(containers(spool, "a"), ["c1", "c2", "c3"]);
    const [first, second] = spool.read("a", 2);
    assert.deepEqual(plain(first.point), point(1));
    spool.advance("a", second.id);
    assert.deepEqual(containers(spool, "a"), ["c3"]);
    assert.deepEqual(containers(spool, "b"), ["c1", "c2", "c3"]);
    assert.equal(spool.state().depth, 3);
    spool.advance("b", first.id);
    assert.equal(spool.state().depth, 2);
    assert.deepEqual(containers(spool, "b"), ["c2", "c3"]);
    assert.equal(spool.pending("a"), 1);
    assert.equal(spool.pending("b"), 2);
  });
});

Deno.test("concurrent appends commit together and each resolves after the commit", async () => {
  await withSpool({}, async (spool) => {
    let commits = 0;
    spool.onAppend(() => commits++);
    await Promise.all(Array.from({ length: 50 }, (_, n) => spool.append([point(n)])));
    assert.equal(commits, 1);
    assert.equal(spool.state().depth, 50);
  });
});

Deno.test("the size cap drops the oldest points and counts them per sink", async () => {
  // Room for exactly three points of this size.
  const maxBytes = 3 * size(point(1));
  await withSpool({ maxBytes }, async (spool, stats) => {
    for (const n of [1, 2, 3]) await spool.append([point(n)]);
    spool.advance("a", spool.read("a", 1)[0].id); // a has passed c1, b has not
    await spool.append([point(4)]);
    await spool.append([point(5)]);
    assert.deepEqual(containers(spool, "a"), ["c3", "c4", "c5"]);
    assert.deepEqual(containers(spool, "b"), ["c3", "c4", "c5"]);
    const sinks = stats.snapshot(spool.state()).sinks;
    assert.deepEqual(sinks.a, { [OVERFLOW_DECISION]: 1 });
    assert.deepEqual(sinks.b, { [OVERFLOW_DECISION]: 2 });
    assert.equal(spool.state().bytes, maxBytes);
  });
});

Deno.test("points larger than the whole cap are refused as full", async () => {
  const cap = size(point(1));
  await withSpool({ maxBytes: cap }, async (spool) => {
    const error = await spool.append([point(1), point(2)]).catch((e) => e);
    assert.ok(error instanceof SpoolFull);
    const bytes = size(point(1), point(2));
    assert.equal(error.bytes, bytes);
    assert.equal(error.message, `${bytes} bytes of points exceed the spool cap of ${cap}`);
    assert.equal(spool.state().depth, 0);
    assert.equal(spool.writable, true);
  });
});

Deno.test("a reopened spool resumes from the stored cursors", async () => {
  await withSpool({}, async (spool, stats, directory) => {
    for (const n of [1, 2, 3]) await spool.append([point(n)]);
    spool.advance("a", spool.read("a", 2)[1].id);
    await spool.close();
    const again = new Spool({ directory, maxBytes: 1 << 20, sinks: ["a", "b"], counters: stats });
    try {
      again.open();
      assert.deepEqual(containers(again, "a"), ["c3"]);
      assert.deepEqual(containers(again, "b"), ["c1", "c2", "c3"]);
      await again.append([point(4)]);
      assert.deepEqual(containers(again, "a"), ["c3", "c4"]);
    } finally {
      await again.close();
    }
  });
});

Deno.test("a sink no longer configured stops holding points back", async () => {
  await withSpool({}, async (spool, stats, directory) => {
    for (const n of [1, 2]) await spool.append([point(n)]);
    spool.advance("a", spool.read("a", 2)[1].id);
    await spool.close();
    const again = new Spool({ directory, maxBytes: 1 << 20, sinks: ["a"], counters: stats });
    try {
      again.open();
      await again.append([point(3)]);
      again.advance("a", again.read("a", 1)[0].id);
      assert.equal(again.state().depth, 0);
    } finally {
      await again.close();
    }
  });
});

Deno.test("an unwritable spool directory is unavailable until an append can open it", async () => {
  const blocker = await Deno.makeTempFile({ prefix: "spool-test-" });
  const spool = new Spool({
    directory: `${blocker}/spool`,
    maxBytes: 1 << 20,
    sinks: ["a"],
    counters: new Stats(),
  });
  try {
    assert.throws(() => spool.open(), SpoolUnavailable);
    assert.equal(spool.writable, false);
    assert.equal(spool.state().writable, false);
    const error = await spool.append([point(1)]).catch((e) => e);
    assert.ok(error instanceof SpoolUnavailable);
    assert.match(error.message, /^cannot open .*spool\.sqlite: /);
    assert.ok(error.cause instanceof Error);
    assert.equal(spool.writable, false, "reading the state wrote nothing");
    await Deno.remove(blocker);
    await Deno.mkdir(blocker);
    await spool.append([point(1)]);
    assert.equal(spool.writable, true);
    assert.deepEqual(containers(spool, "a"), ["c1"]);
  } finally {
    await spool.close();
    await Deno.remove(blocker, { recursive: true });
  }
});

Deno.test("a spool is held by one Spool at a time, until it closes", async () => {
  await withSpool({}, async (first, stats, directory) => {
    const second = new Spool({ directory, maxBytes: 1 << 20, sinks: ["a"], counters: stats });
    assert.throws(() => second.open(), (error: Error) => {
      assert.ok(error instanceof SpoolLocked);
      assert.ok(error instanceof SpoolUnavailable);
      assert.equal(error.holder, Deno.pid);
      return true;
    });
    assert.equal(second.writable, false);
    await first.close();
    second.open();
    assert.equal(second.writable, true);
    await second.close();
  });
});

Deno.test("a call is one row; a cursor may stop inside it", async () => {
  await withSpool({}, async (spool, stats) => {
    await spool.append([1, 2, 3].map(point));
    await spool.append([4, 5].map(point));
    assert.deepEqual(containers(spool, "a"), ["c1", "c2", "c3", "c4", "c5"]);
    const firstTwo = spool.read("a", 2);
    assert.deepEqual(firstTwo.map((spooled) => spooled.id), [1, 2]);
    spool.advance("a", firstTwo[1].id);
    assert.deepEqual(containers(spool, "a"), ["c3", "c4", "c5"]);
    assert.deepEqual(spool.read("a", 2).map((spooled) => plain(spooled.point)), [
      point(3),
      point(4),
    ]);
    spool.advance("b", 4);
    assert.deepEqual(spool.backlog(), { a: 3, b: 1 });
    assert.equal(spool.state().depth, 5, "the first row holds points a has not passed");
    spool.advance("a", 3);
    assert.equal(spool.state().depth, 2);
    assert.equal(stats.snapshot(spool.state()).sinks.a, undefined);
  });
});

Deno.test("the size cap drops whole calls, counting for each sink the points it had not passed", async () => {
  const call = (from: number) => [from, from + 1, from + 2].map(point);
  const maxBytes = size(...call(1)) + size(...call(4)) + 10;
  await withSpool({ maxBytes }, async (spool, stats) => {
    await spool.append(call(1));
    await spool.append(call(4));
    spool.advance("a", 2);
    await spool.append(call(7));
    assert.deepEqual(containers(spool, "a"), ["c4", "c5", "c6", "c7", "c8", "c9"]);
    assert.deepEqual(containers(spool, "b"), ["c4", "c5", "c6", "c7", "c8", "c9"]);
    const sinks = stats.snapshot(spool.state()).sinks;
    assert.deepEqual(sinks.a, { [OVERFLOW_DECISION]: 1 });
    assert.deepEqual(sinks.b, { [OVERFLOW_DECISION]: 3 });
  });
});

Deno.test("positions are never given out twice, even after the spool emptied and reopened", async () => {
  await withSpool({}, async (spool, stats, directory) => {
    await spool.append([1, 2].map(point));
    spool.advance("a", 2);
    spool.advance("b", 2);
    assert.equal(spool.state().depth, 0);
    await spool.close();
    const again = new Spool({ directory, maxBytes: 1 << 20, sinks: ["a", "b"], counters: stats });
    try {
      again.open();
      await again.append([point(3)]);
      assert.deepEqual(again.read("a", 10).map((spooled) => spooled.id), [3]);
      assert.deepEqual(containers(again, "b"), ["c3"]);
    } finally {
      await again.close();
    }
  });
});
