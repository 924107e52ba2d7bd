import assert from "node:assert/strict";
import type { Point } from "../stored_point.ts";
import type { DeliveryOutcome, Sink } from "../sinks/mod.ts";
import { Spool } from "../spool/mod.ts";
import { Stats } from "../stats.ts";
import { DeliveryLoop, type LoopOptions } from "./loop.ts";

function point(n: number): Point {
  return {
    time: 1_700_000_000 + n,
    tags: { environment: "e", service: "s", container: `c${n}`, host_name: "h" },
    metrics: { milli_cpu_usage: n },
  };
}

/** A sink that records each batch and answers from a script (then `delivered`). */
class ScriptedSink implements Sink {
  batches: number[][] = [];
  constructor(readonly name: string, private script: DeliveryOutcome[] = []) {}
  deliver(points: readonly Point[]): Promise<DeliveryOutcome> {
    this.batches.push(points.map((p) => p.metrics.milli_cpu_usage));
    return Promise.resolve(this.script.shift() ?? "delivered");
  }
}

const OPTIONS: LoopOptions = {
  batchSize: 3,
  maxWaitMs: 3_600_000,
  backoff: { baseMs: 20, capMs: 40 },
};

async function withLoops(
  sinks: Sink[],
  options: Partial<LoopOptions>,
  body: (spool: Spool, loops: DeliveryLoop[], stats: Stats) => Promise<void>,
): Promise<void> {
  const directory = await Deno.makeTempDir({ prefix: "loop-test-" });
  const stats = new Stats();
  const spool = new Spool({
    directory,
    maxBytes: 1 << 20,
    sinks: sinks.map((sink) => sink.name),
    counters: stats,
  });
  spool.open();
  const loops = sinks.map((sink) =>
    new DeliveryLoop(sink, spool, stats, { ...OPTIONS, ...options })
  );
  for (const loop of loops) loop.start();
  try {
    await body(spool, loops, stats);
  } finally {
    await Promise.all(loops.map((loop) => loop.abort()));
    await spool.close();
    await Deno.remove(directory, { recursive: true });
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("a batch closes when full; drain sends the rest at once", async () => {
  const sink = new ScriptedSink("a");
  await withLoops([sink], {}, async (spool, [loop]) => {
    for (let n = 1; n <= 7; n++) await spool.append([point(n)]);
    await until(() => sink.batches.length === 2, "two full batches");
    assert.deepEqual(sink.batches, [[1, 2, 3], [4, 5, 6]]);
    assert.equal(spool.pending("a"), 1);
    await loop.drain();
    assert.deepEqual(sink.batches.at(-1), [7]);
    assert.equal(spool.state().depth, 0);
  });
});

Deno.test("a partial batch closes once its oldest point has waited maxWaitMs", async () => {
  const sink = new ScriptedSink("a");
  await withLoops([sink], { batchSize: 1000, maxWaitMs: 50 }, async (spool) => {
    await spool.append([point(1), point(2)]);
    await until(() => sink.batches.length === 1, "the timed batch");
    assert.deepEqual(sink.batches, [[1, 2]]);
  });
});

Deno.test("a deferring sink retries after a pause without holding back the others", async () => {
  const failing = new ScriptedSink("failing", ["deferred", "deferred"]);
  const healthy = new ScriptedSink("healthy");
  await withLoops([failing, healthy], {}, async (spool, _loops, stats) => {
    await spool.append([point(1), point(2), point(3)]);
    await until(() => failing.batches.length === 3, "the third attempt");
    assert.deepEqual(healthy.batches, [[1, 2, 3]]);
    assert.deepEqual(failing.batches, [[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    await until(() => spool.state().depth === 0, "the spool to empty");
    assert.deepEqual(stats.snapshot(spool.state()).sinks, {
      failing: { deferred: 6, delivered: 3 },
      healthy: { delivered: 3 },
    });
  });
});

Deno.test("each delivered batch reports how long its points waited since arrival", async () => {
  const sink = new ScriptedSink("a", ["deferred", "dropped"]);
  const reports: [string, readonly number[]][] = [];
  let clock = 1_000_000;
  const now = () => clock;
  const directory = await Deno.makeTempDir({ prefix: "loop-test-" });
  const stats = new Stats();
  const spool = new Spool({ directory, maxBytes: 1 << 20, sinks: ["a"], counters: stats, now });
  spool.open();
  const loop = new DeliveryLoop(sink, spool, stats, {
    ...OPTIONS,
    batchSize: 2,
    now,
    onDelivered: (name, waited) => reports.push([name, waited]),
  });
  try {
    await spool.append([point(1)]);
    clock += 400;
    await spool.append([point(2), point(3), point(4)]);
    clock += 250;
    loop.start();
    await until(() => sink.batches.length === 3, "a deferred, a dropped and a delivered batch");
    assert.deepEqual(sink.batches, [[1, 2], [1, 2], [3, 4]]);
    assert.deepEqual(reports, [["a", [250, 250]]]);
  } finally {
    await loop.abort();
    await spool.close();
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("a dropped batch is not offered again", async () => {
  const sink = new ScriptedSink("a", ["dropped"]);
  await withLoops([sink], {}, async (spool) => {
    await spool.append([point(1), point(2), point(3), point(4), point(5), point(6)]);
    await until(() => sink.batches.length === 2, "two batches");
    assert.deepEqual(sink.batches, [[1, 2, 3], [4, 5, 6]]);
    assert.equal(spool.state().depth, 0);
  });
});

Deno.test("abort cancels the delivery in flight and leaves its points in the spool", async () => {
  let seen: AbortSignal | undefined;
  const hanging: Sink = {
    name: "hanging",
    deliver: (_points, signal) => {
      seen = signal;
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason))
      );
    },
  };
  await withLoops([hanging], {}, async (spool, [loop]) => {
    await spool.append([point(1), point(2), point(3)]);
    await until(() => seen !== undefined, "the delivery to start");
    await loop.abort();
    assert.equal(seen!.aborted, true);
    assert.equal(spool.pending("hanging"), 3);
    assert.equal(spool.state().depth, 3);
  });
});

/** A sink whose deliveries wait until the test settles them, one by one, in any order. */
class HeldSink implements Sink {
  held: { batch: number[]; settle: (outcome: DeliveryOutcome) => void }[] = [];
  constructor(readonly name: string) {}
  deliver(points: readonly Point[]): Promise<DeliveryOutcome> {
    return new Promise((resolve) =>
      this.held.push({ batch: points.map((p) => p.metrics.milli_cpu_usage), settle: resolve })
    );
  }
}

Deno.test("batches go out together up to the concurrency; the cursor moves in read order", async () => {
  const sink = new HeldSink("a");
  await withLoops([sink], { concurrency: 3 }, async (spool) => {
    for (let n = 1; n <= 12; n++) await spool.append([point(n)]);
    await until(() => sink.held.length === 3, "three batches in flight");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(sink.held.length, 3, "no fourth batch while three are in flight");
    assert.deepEqual(sink.held.map((held) => held.batch), [[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    sink.held[2].settle("delivered");
    sink.held[1].settle("delivered");
    await until(() => sink.held.length === 3, "the settled batches to be recorded");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(spool.cursor("a"), 0, "the first batch has not settled: the cursor stays");
    sink.held[0].settle("dropped");
    await until(() => spool.cursor("a") === 9, "the cursor past all three");
    await until(() => sink.held.length === 4, "the next batch");
    assert.deepEqual(sink.held[3].batch, [10, 11, 12]);
    sink.held[3].settle("delivered");
    await until(() => spool.state().depth === 0, "the spool to empty");
  });
});

Deno.test("a deferred batch stops the cursor; it and the batches after it are offered again", async () => {
  const sink = new HeldSink("a");
  await withLoops([sink], { concurrency: 3 }, async (spool, _loops, stats) => {
    for (let n = 1; n <= 9; n++) await spool.append([point(n)]);
    await until(() => sink.held.length === 3, "three batches in flight");
    sink.held[0].settle("delivered");
    sink.held[2].settle("delivered");
    sink.held[1].settle("deferred");
    await until(() => sink.held.length === 5, "the round after the back-off");
    assert.equal(spool.cursor("a"), 3, "past the first batch only");
    assert.deepEqual(sink.held.slice(3).map((held) => held.batch), [[4, 5, 6], [7, 8, 9]]);
    sink.held[3].settle("delivered");
    sink.held[4].settle("delivered");
    await until(() => spool.state().depth === 0, "the spool to empty");
    assert.deepEqual(stats.snapshot(spool.state()).sinks, { a: { delivered: 12, deferred: 3 } });
  });
});
