/**
 * The generated HPACK tables: hpack_tables.ts is exactly what the generator
 * writes from hpack_tables.txt, and its static table and Huffman code equal
 * python3-hpack's (Debian's, an independent implementation) in a real
 * subprocess.
 */
import assert from "node:assert/strict";
import { HUFFMAN_CODES, STATIC_TABLE } from "./hpack_tables.ts";
import { generateTables, SOURCE, TARGET } from "./hpack_tables_gen.ts";

Deno.test("hpack_tables.ts is what the generator writes (run deno task gen:hpack)", async () => {
  const generated = generateTables(await Deno.readTextFile(SOURCE));
  assert.equal(await Deno.readTextFile(TARGET), generated);
});

Deno.test("the static table and Huffman code equal python3-hpack's", async () => {
  const output = await new Deno.Command("/usr/bin/python3", {
    args: [
      "-c",
      "import json, hpack.huffman_constants as h, hpack.table as t\n" +
      "print(json.dumps({'static': [[n.decode(), v.decode()] for n, v in t.HeaderTable.STATIC_TABLE]," +
      " 'codes': [[l, c] for c, l in zip(h.REQUEST_CODES, h.REQUEST_CODES_LENGTH)]}))",
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(10_000),
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const theirs = JSON.parse(new TextDecoder().decode(output.stdout));
  assert.deepEqual(STATIC_TABLE, theirs.static);
  assert.deepEqual(HUFFMAN_CODES, theirs.codes);
});
