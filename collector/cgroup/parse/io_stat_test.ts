import assert from "node:assert/strict";
import { parseIoStat } from "./io_stat.ts";

Deno.test("parseIoStat sums bytes and operations over devices", () => {
  const text = "8:0 rbytes=1048576000 wbytes=524288000 rios=25600 wios=12800 dbytes=0 dios=0\n" +
    "8:16 rbytes=4096000 wbytes=209715200 rios=1000 wios=51200 dbytes=4096 dios=1\n";
  assert.deepEqual(parseIoStat(text), {
    bytes: { read: 1048576000n + 4096000n, write: 524288000n + 209715200n },
    operations: { read: 25600n + 1000n, write: 12800n + 51200n },
  });
});

Deno.test("parseIoStat reads an empty file as no I/O and ignores keys it does not use", () => {
  const zero = { read: 0n, write: 0n };
  assert.deepEqual(parseIoStat(""), { bytes: zero, operations: zero });
  assert.deepEqual(
    parseIoStat("259:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0 cost.usage=77\n"),
    { bytes: { read: 1n, write: 2n }, operations: { read: 3n, write: 4n } },
  );
});

Deno.test("parseIoStat rejects truncated lines, missing keys and bad devices", () => {
  assert.throws(
    () => parseIoStat("8:0 rbytes=1123287040 wbytes="),
    /device 8:0 wbytes: "" is not an unsigned integer/,
  );
  assert.throws(() => parseIoStat("8:0 rbytes=1 wbytes=2 rios=3\n"), /device 8:0 has no wios/);
  assert.throws(() => parseIoStat("sda rbytes=1\n"), /has no MAJ:MIN/);
  assert.throws(() => parseIoStat("8:0 rbytes\n"), /"rbytes" on device 8:0 is not "key=value"/);
});
