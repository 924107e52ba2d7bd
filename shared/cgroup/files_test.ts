import assert from "node:assert/strict";
import { KeptFiles, openPerRead } from "./files.ts";

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
