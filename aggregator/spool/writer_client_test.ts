import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { writerSource } from "./bundle.ts";
import { encodeRow } from "./rows/mod.ts";
import { openSchema } from "./schema.ts";
import { ROW_OVERHEAD_BYTES } from "./writer.ts";
import { WriterClient } from "./writer_client.ts";

Deno.test("the spool writer's bundle is made from the current sources", async () => {
  const committed = await Deno.readTextFile(new URL("./gen/writer_source.ts", import.meta.url));
  assert.ok(
    committed === await writerSource(),
    "gen/writer_source.ts is stale: run aggregator/spool/bundle.ts",
  );
});

/** A spool database in format 2, empty, with cursors for `sinks` at 0. */
async function emptySpool(
  ...sinks: string[]
): Promise<{ path: string; db: DatabaseSync; remove: () => Promise<void> }> {
  const directory = await Deno.makeTempDir({ prefix: "spool-writer-test-" });
  const path = `${directory}/spool.sqlite`;
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL");
  openSchema(db);
  for (const sink of sinks) db.prepare("INSERT INTO cursors VALUES (?, 0)").run(sink);
  const remove = async () => {
    db.close();
    await Deno.remove(directory, { recursive: true });
  };
  return { path, db, remove };
}

const row = (n: number) => {
  const points = Array.from({ length: n }, (_, i) => ({
    time: 1_700_000_000 + i,
    tags: { environment: "e", service: "s", container: `c${i}`, host_name: "h" },
    metrics: { running: 1 },
  }));
  return { count: n, body: encodeRow(points) };
};

Deno.test("the worker commits each group in order, its rows on disk when it answers", async () => {
  const { path, db, remove } = await emptySpool("a");
  const writer = new WriterClient({ path, maxBytes: 1 << 20, bytes: 0, lastId: 0 });
  try {
    const [first, second] = await Promise.all([
      writer.insert([row(2), row(3)], 1),
      writer.insert([row(1)], 2),
    ]);
    assert.equal(first.last, 5);
    assert.equal(second.last, 6);
    const stored = db.prepare("SELECT last, count, received FROM calls ORDER BY last").all();
    assert.deepEqual(stored.map((r) => ({ ...r })), [
      { last: 2, count: 2, received: 1 },
      { last: 5, count: 3, received: 1 },
      { last: 6, count: 1, received: 2 },
    ]);
  } finally {
    await writer.close();
    await remove();
  }
});

Deno.test("the worker saves cursors, deleting what every sink passed, and drops rows for the cap", async () => {
  const { path, db, remove } = await emptySpool("a", "b");
  const size = row(2).body.length + ROW_OVERHEAD_BYTES;
  const writer = new WriterClient({ path, maxBytes: 3 * size, bytes: 0, lastId: 0 });
  try {
    await writer.insert([row(2), row(2), row(2)], 1);
    assert.equal(await writer.advance("a", 4), 0, "b has passed nothing: nothing goes");
    assert.equal(await writer.advance("b", 2), size, "both passed the first row");
    assert.equal(await writer.advance("b", 1), 0, "a cursor never moves back");
    const cursors = db.prepare("SELECT sink, position FROM cursors ORDER BY sink").all();
    assert.deepEqual(cursors.map((r) => ({ ...r })), [
      { sink: "a", position: 4 },
      { sink: "b", position: 2 },
    ]);
    const inserted = await writer.insert([row(2), row(2)], 2);
    assert.deepEqual(inserted.dropped, { b: 2 }, "one more row had to go; a had passed it");
    assert.deepEqual(inserted.cursors, { b: 4 });
    assert.equal(inserted.bytes, 2 * size - size);
    const lasts = db.prepare("SELECT last FROM calls ORDER BY last").all().map((r) => r.last);
    assert.deepEqual(lasts, [6, 8, 10]);
  } finally {
    await writer.close();
    await remove();
  }
});

Deno.test("a worker that fails refuses every insert it had not answered, and takes no more", async () => {
  const { path, db, remove } = await emptySpool("a");
  const failing =
    `self.onmessage = ({ data }) => { if (data.kind === "insert") throw new Error("disk on fire"); };`;
  const writer = new WriterClient({ path, maxBytes: 1 << 20, bytes: 0, lastId: 0 }, failing);
  try {
    const refusals = await Promise.allSettled([
      writer.insert([row(1)], 1),
      writer.insert([row(1)], 1),
    ]);
    for (const refusal of refusals) {
      assert.equal(refusal.status, "rejected");
      assert.match(String(refusal.reason), /the spool writer failed: .*disk on fire/);
    }
    assert.ok(writer.failure);
    await assert.rejects(writer.insert([row(1)], 1), /the spool writer failed/);
    assert.deepEqual({ ...db.prepare("SELECT count(*) AS calls FROM calls").get() }, { calls: 0 });
  } finally {
    await writer.close();
    await remove();
  }
});
