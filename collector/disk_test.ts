import assert from "node:assert/strict";
import { diskUsage } from "./disk.ts";
import { setupLogging } from "../shared/log.ts";

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
    const usage = await diskUsage(dir);
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
  assert.deepEqual(await diskUsage(undefined), { diskUsageMb: -1n, diskLimitMb: -1n });
});

Deno.test("an unreadable volume reports -1 and logs the path and the reason", async () => {
  const lines: string[] = [];
  setupLogging({ debug: false, json: false, write: (line) => lines.push(line) });
  const dir = await Deno.makeTempDir({ prefix: "mini-collector-disk-" });
  try {
    assert.deepEqual(await diskUsage(`${dir}/gone`), { diskUsageMb: -1n, diskLimitMb: -1n });
  } finally {
    await Deno.remove(dir);
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0], /\[ERR\].*cannot measure disk usage of ".*\/gone": .*ENOENT/);
});
