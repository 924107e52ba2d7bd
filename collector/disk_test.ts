import assert from "node:assert/strict";
import { diskUsage } from "./disk.ts";

const MIB = 1024n * 1024n;

/** `df`'s view of a path in bytes: total size and space available to unprivileged users. */
async function df(path: string): Promise<{ size: bigint; avail: bigint }> {
  const output = await new Deno.Command("df", {
    args: ["-B1", "--output=size,avail", path],
    stdout: "piped",
  }).output();
  assert.ok(output.success, "df failed");
  const [size, avail] = new TextDecoder().decode(output.stdout).trim().split("\n")[1].trim()
    .split(/\s+/);
  return { size: BigInt(size), avail: BigInt(avail) };
}

Deno.test("disk usage of a real directory matches df", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mini-collector-disk-" });
  try {
    const usage = await diskUsage(dir, []);
    const { size, avail } = await df(dir);
    assert.equal(usage.diskLimitMb, size / MIB);
    // Other processes write to the same filesystem between the two reads.
    const expectedUsed = (size - avail) / MIB;
    const drift = usage.diskUsageMb - expectedUsed;
    assert.ok(drift >= -256n && drift <= 256n, `used ${usage.diskUsageMb} MiB, df ${expectedUsed}`);
    assert.ok(usage.diskUsageMb >= 0n && usage.diskUsageMb <= usage.diskLimitMb);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("no volume configured reports -1 for both", async () => {
  const errors: string[] = [];
  assert.deepEqual(await diskUsage(undefined, errors), { diskUsageMb: -1n, diskLimitMb: -1n });
  assert.deepEqual(errors, []);
});

Deno.test("an unreadable volume reports -1 and names the path and the reason", async () => {
  const errors: string[] = [];
  const dir = await Deno.makeTempDir({ prefix: "mini-collector-disk-" });
  try {
    assert.deepEqual(await diskUsage(`${dir}/gone`, errors), {
      diskUsageMb: -1n,
      diskLimitMb: -1n,
    });
  } finally {
    await Deno.remove(dir);
  }
  assert.equal(errors.length, 1);
  assert.match(errors[0], /^cannot measure disk usage of .*\/gone: .*ENOENT/);
});
