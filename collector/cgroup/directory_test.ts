import assert from "node:assert/strict";
import { join } from "node:path";
import { CgroupDirectory, exists, isDirectory } from "./directory.ts";
import { parseValue } from "./parse/single.ts";

Deno.test("CgroupDirectory: absent files are silent, bad ones are one error line each", async () => {
  const path = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(path, "pids.current"), "7\n");
    await Deno.writeTextFile(join(path, "memory.current"), "");
    await Deno.mkdir(join(path, "cpu.stat"));
    const errors: string[] = [];
    const directory = new CgroupDirectory(path, errors);
    assert.equal(await directory.read("pids.current", parseValue), 7n);
    assert.equal(await directory.read("pids.max", parseValue), undefined);
    assert.equal(await directory.read("memory.current", parseValue), undefined);
    assert.equal(await directory.read("cpu.stat", parseValue), undefined);
    assert.equal(errors.length, 2);
    assert.equal(errors[0], `${path}/memory.current: the file is empty`);
    assert.match(errors[1], new RegExp(`^${path}/cpu.stat: cannot read: `));
  } finally {
    await Deno.remove(path, { recursive: true });
  }
});

Deno.test("CgroupDirectory.pick reports extraction failures against the file", () => {
  const errors: string[] = [];
  const directory = new CgroupDirectory("/x", errors);
  assert.equal(directory.pick("memory.stat", undefined, () => 1n), undefined);
  assert.equal(directory.pick("memory.stat", "a", () => 2n), 2n);
  assert.equal(
    directory.pick("memory.stat", "a", () => {
      throw new Error('no "anon" line');
    }),
    undefined,
  );
  assert.deepEqual(errors, ['/x/memory.stat: no "anon" line']);
});

Deno.test("isDirectory and exists", async () => {
  const path = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(path, "file"), "");
    assert.equal(await isDirectory(path), true);
    assert.equal(await isDirectory(join(path, "file")), false);
    assert.equal(await isDirectory(join(path, "missing")), false);
    assert.equal(await exists(join(path, "file")), true);
    assert.equal(await exists(join(path, "missing")), false);
  } finally {
    await Deno.remove(path, { recursive: true });
  }
});
