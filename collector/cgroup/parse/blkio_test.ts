import assert from "node:assert/strict";
import { fixturePath, readCapture } from "../../../tests/support/cgroup_fixtures.ts";
import { parseBlkioTable } from "./blkio.ts";

Deno.test("parseBlkioTable sums Read and Write over devices (live table from this host)", async () => {
  const { relativePath } = await readCapture("hybrid-systemd");
  const text = await Deno.readTextFile(
    fixturePath("hybrid-systemd", "t1", "blkio", relativePath, "blkio.throttle.io_service_bytes"),
  );
  // 254:0 Read 37748736 + 253:0 Read 0; 254:0 Write 37793792 + 253:0 Write 0
  assert.deepEqual(parseBlkioTable(text), { read: 37748736n, write: 37793792n, devices: 2 });
});

Deno.test("parseBlkioTable treats an empty file or a lone Total line as an empty table", () => {
  assert.deepEqual(parseBlkioTable(""), { read: 0n, write: 0n, devices: 0 });
  assert.deepEqual(parseBlkioTable("Total 0\n"), { read: 0n, write: 0n, devices: 0 });
});

Deno.test("parseBlkioTable rejects truncated and unknown rows", () => {
  assert.throws(() => parseBlkioTable("254:0 Read\n"), /is not "MAJ:MIN Operation value"/);
  assert.throws(() => parseBlkioTable("254:0 Peek 1\n"), /is not "MAJ:MIN Operation value"/);
  assert.throws(() => parseBlkioTable("254:0 Read -1\n"), /"-1" is not an unsigned integer/);
  assert.throws(() => parseBlkioTable("Total x\n"), /"x" is not an unsigned integer/);
});

Deno.test("parseBlkioTable sums the same whether or not the table is in the kernel's exact form", () => {
  const kernel = "8:0 Read 4096\n8:0 Write 1\n8:0 Total 4097\n8:16 Read 2\n8:16 Write 8192\n" +
    "8:16 Discard 0\n8:16 Total 8194\nTotal 12291\n";
  const loose = kernel.replaceAll(" ", "\t").replace("Total 12291\n", "  Total 12291");
  for (const text of [kernel, loose]) {
    assert.deepEqual(parseBlkioTable(text), { read: 4098n, write: 8193n, devices: 2 });
  }
  assert.throws(
    () => parseBlkioTable("8:0 Read 99999999999999999999999\nTotal 0\n"),
    /does not fit in 64 bits/,
  );
});
