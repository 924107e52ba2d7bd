import assert from "node:assert/strict";
import { ConnectionError, ErrorCode } from "./frames.ts";
import { HeaderDecoder, HeaderEncoder, type HeaderField } from "./hpack.ts";

/** Runs python3-hpack (Debian's, another HPACK implementation) on `script`, JSON in and out. */
async function pythonHpack(script: string, input: unknown): Promise<unknown> {
  const child = new Deno.Command("/usr/bin/python3", {
    args: ["-c", `import hpack, json, sys\ndata = json.load(sys.stdin)\n${script}`],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(10_000),
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(input)));
  await writer.close();
  const output = await child.output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

const RESPONSES: HeaderField[][] = [
  [[":status", "200"], ["content-type", "application/grpc"], ["grpc-accept-encoding", "gzip"]],
  [["grpc-status", "3"], ["grpc-message", "point refused: 100%25 wrong %E2%9C%97"]],
  [[":status", "200"], ["content-type", "application/grpc"], ["x-long", "v".repeat(300)]],
];

Deno.test("decodes what python3-hpack encodes, Huffman and dynamic table included", async () => {
  const blocks = await pythonHpack(
    `e = hpack.Encoder()\nprint(json.dumps([e.encode([tuple(f) for f in b], huffman=True).hex() for b in data]))`,
    RESPONSES,
  ) as string[];
  const decoder = new HeaderDecoder(16_384);
  const decoded = blocks.map((hex) =>
    decoder.decode(Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16)))
  );
  assert.deepEqual(decoded, RESPONSES);
});

Deno.test("python3-hpack decodes what the encoder sends", async () => {
  const request: HeaderField[] = [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", "/Aggregator/Publish"],
    [":authority", "127.0.0.1:8000"],
    ["content-type", "application/grpc+proto"],
    ["te", "trailers"],
    ["x-".padEnd(200, "a"), "é and a long value ".repeat(20)],
  ];
  const block = new HeaderEncoder().encode(request);
  const hex = Array.from(block, (b) => b.toString(16).padStart(2, "0")).join("");
  const decoded = await pythonHpack(
    `print(json.dumps(hpack.Decoder().decode(bytes.fromhex(data))))`,
    hex,
  );
  assert.deepEqual(decoded, request);
});

Deno.test("malformed blocks are compression errors", () => {
  for (
    const block of [
      [0x80], // index 0
      [0xff, 0x80], // integer cut short
      [0xbf, 0xff, 0xff, 0xff, 0xff, 0x7f], // index far beyond both tables
      [0x40, 0x05, 0x61], // name string past the end
      [0x00, 0x81, 0x00, 0x00], // Huffman string with bad padding
      [0x3f, 0xe2, 0x1f], // table size 4097, above the announced 4096
    ]
  ) {
    assert.throws(
      () => new HeaderDecoder(16_384).decode(Uint8Array.from(block)),
      (error) => error instanceof ConnectionError && error.code === ErrorCode.COMPRESSION_ERROR,
      `block ${block}`,
    );
  }
});

Deno.test("a header list over the limit is refused", () => {
  const block = new HeaderEncoder().encode([["x-big", "v".repeat(2_000)]]);
  assert.throws(
    () => new HeaderDecoder(1_024).decode(block),
    (error) => error instanceof ConnectionError && error.code === ErrorCode.ENHANCE_YOUR_CALM,
  );
  assert.deepEqual(new HeaderDecoder(4_096).decode(block), [["x-big", "v".repeat(2_000)]]);
});
