import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { Stats } from "../stats.ts";
import { FIXTURE_CALLS, FIXTURE_CURSORS } from "../../tests/fixtures/spool_v1/generate.ts";
import { Spool } from "./spool.ts";
import { FORMAT } from "./schema.ts";

const FIXTURE = new URL("../../tests/fixtures/spool_v1/spool.sqlite", import.meta.url).pathname;

/** A copy of the format-1 fixture in a fresh directory. */
async function format1Spool(): Promise<string> {
  const directory = await Deno.makeTempDir({ prefix: "spool-format-test-" });
  await Deno.copyFile(FIXTURE, `${directory}/spool.sqlite`);
  return directory;
}

function tablesAndFormat(path: string): { tables: string[]; format: number } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = (db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    ).all() as {
      name: string;
    }[]).map((row) => row.name).sort();
    const { user_version } = db.prepare("PRAGMA user_version").get() as { user_version: number };
    return { tables, format: user_version };
  } finally {
    db.close();
  }
}

Deno.test("a format-1 spool is migrated on first open with every point and cursor kept", async () => {
  const directory = await format1Spool();
  const all = FIXTURE_CALLS.flat();
  const sinks = Object.keys(FIXTURE_CURSORS);
  try {
    assert.equal(tablesAndFormat(`${directory}/spool.sqlite`).format, 0);
    const spool = new Spool({ directory, maxBytes: 1 << 20, sinks, counters: new Stats() });
    spool.open();
    try {
      assert.equal(spool.migratedPoints, all.length);
      for (const [sink, passed] of Object.entries(FIXTURE_CURSORS)) {
        const read = spool.read(sink, 10_000);
        const points = read.map(({ point: { time, tags, metrics } }) => ({ time, tags, metrics }));
        assert.deepEqual(points, all.slice(passed), sink);
        assert.deepEqual(
          read.map((spooled) => spooled.id),
          all.slice(passed).map((_, i) => passed + i + 1),
        );
      }
      assert.deepEqual(spool.backlog(), { stdout: all.length, datadog: all.length - 30 });
      assert.equal(spool.state().depth, all.length);
      await spool.append([{ ...all[0], time: all[0].time + 1 }]);
      assert.equal(spool.read("stdout", 10_000).at(-1)?.id, all.length + 1);
    } finally {
      await spool.close();
    }
    const after = tablesAndFormat(`${directory}/spool.sqlite`);
    assert.deepEqual(after, { tables: ["calls", "cursors"], format: FORMAT });
    const db = new DatabaseSync(`${directory}/spool.sqlite`, { readOnly: true });
    const rows = db.prepare("SELECT count, received FROM calls ORDER BY last").all();
    db.close();
    assert.deepEqual(
      rows.slice(0, 3).map((row) => row.count),
      FIXTURE_CALLS.map((call) => call.length),
      "one row per call of format 1",
    );

    const reopened = new Spool({ directory, maxBytes: 1 << 20, sinks, counters: new Stats() });
    reopened.open();
    assert.equal(reopened.migratedPoints, undefined);
    assert.equal(reopened.read("datadog", 10_000).length, all.length - 30 + 1);
    await reopened.close();
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("a spool in a newer format is refused, untouched", async () => {
  const directory = await Deno.makeTempDir({ prefix: "spool-format-test-" });
  try {
    const db = new DatabaseSync(`${directory}/spool.sqlite`);
    db.exec(`PRAGMA user_version = ${FORMAT + 1}`);
    db.close();
    const spool = new Spool({ directory, maxBytes: 1 << 20, sinks: ["a"], counters: new Stats() });
    assert.throws(() => spool.open(), /format 3, written by a newer aggregator/);
    await spool.close();
    assert.deepEqual(tablesAndFormat(`${directory}/spool.sqlite`), { tables: [], format: 3 });
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
