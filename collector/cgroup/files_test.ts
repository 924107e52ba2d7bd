import assert from "node:assert/strict";
import { KeptFiles, LIMIT_FILES, openPerRead } from "./files.ts";

Deno.test("kept files are re-read from the start, whole, however long", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/memory.stat`;
    const long = "x".repeat(40_000) + "\n";
    await Deno.writeTextFile(path, long);
    using files = new KeptFiles();
    assert.equal(files.read(path), long, "more than the 16 KiB buffer");
    // Written in place (same inode), as the kernel regenerates a cgroup file.
    const file = await Deno.open(path, { write: true, truncate: true });
    await file.write(new TextEncoder().encode("usage 7\n"));
    file.close();
    assert.equal(files.read(path), "usage 7\n");
    assert.equal(openPerRead.read(path), "usage 7\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an absent file is undefined, and a kept reader remembers it as absent", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/cpu.pressure`;
    using files = new KeptFiles();
    assert.equal(files.read(path), undefined);
    assert.equal(openPerRead.read(path), undefined);
    await Deno.writeTextFile(path, "some avg10=1.00\n");
    assert.equal(files.read(path), undefined, "not asked again by this reader");
    using fresh = new KeptFiles();
    assert.equal(fresh.read(path), "some avg10=1.00\n", "a fresh reader asks anew");
    assert.equal(openPerRead.read(path), "some avg10=1.00\n");
    assert.equal(files.failed, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failure other than absence is thrown", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.throws(() => openPerRead.read(dir), /directory/i);
    using files = new KeptFiles();
    assert.throws(() => files.read(dir), /directory/i);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Writes `text` into `path` in place (same inode), as the kernel regenerates a cgroup file. */
async function rewrite(path: string, text: string): Promise<void> {
  const file = await Deno.open(path, { write: true, truncate: true });
  await file.write(new TextEncoder().encode(text));
  file.close();
}

Deno.test("a kept reader re-reads a limit file once per refresh period, every other file each time", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const limit = `${dir}/memory.limit_in_bytes`;
    const usage = `${dir}/memory.usage_in_bytes`;
    await Deno.writeTextFile(limit, "134217728\n");
    await Deno.writeTextFile(usage, "4096\n");
    let now = 1_000;
    using files = new KeptFiles({ limitRefreshMs: 10_000, now: () => now });
    assert.equal(files.read(limit), "134217728\n");
    assert.equal(files.read(usage), "4096\n");
    await rewrite(limit, "268435456\n");
    await rewrite(usage, "8192\n");
    now += 9_999;
    assert.equal(files.read(limit), "134217728\n", "within the period: the last reading");
    assert.equal(files.read(usage), "8192\n", "not a limit: read every time");
    now += 1;
    assert.equal(files.read(limit), "268435456\n", "the period is over: read again");
    await rewrite(limit, "max\n");
    now += 5_000;
    assert.equal(files.read(limit), "268435456\n");
    now += 5_000;
    assert.equal(files.read(limit), "max\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every limit file is on the slow cadence, and a refresh period of 0 re-reads them every time", async () => {
  assert.deepEqual([...LIMIT_FILES].sort(), [
    "cpu.cfs_period_us",
    "cpu.cfs_quota_us",
    "cpu.max",
    "memory.limit_in_bytes",
    "memory.max",
    "pids.max",
  ]);
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/pids.max`;
    await Deno.writeTextFile(path, "32\n");
    using files = new KeptFiles({ limitRefreshMs: 0 });
    assert.equal(files.read(path), "32\n");
    await rewrite(path, "64\n");
    assert.equal(files.read(path), "64\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
