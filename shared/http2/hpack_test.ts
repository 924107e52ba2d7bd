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

/** A literal with incremental indexing and a new name (RFC 7541 §6.2.1), both strings under 127 bytes. */
function indexedLiteral(name: string, value: string): number[] {
  const text = (s: string) => [s.length, ...Array.from(s, (char) => char.charCodeAt(0))];
  return [0x40, ...text(name), ...text(value)];
}

/** Block bytes for an indexed field (RFC 7541 §6.1), index under 127. */
function indexed(index: number): number[] {
  return [0x80 | index];
}

const isCompressionError = (error: unknown) =>
  error instanceof ConnectionError && error.code === ErrorCode.COMPRESSION_ERROR;

Deno.test("the dynamic table evicts its oldest entries past 4,096 bytes, and at a smaller size", () => {
  const decoder = new HeaderDecoder(1 << 20);
  const value = "v".repeat(100);
  // Each entry is 3 + 100 + 32 = 135 bytes: 30 fit in 4,096, the 31st evicts the first.
  for (let n = 0; n < 31; n++) {
    decoder.decode(Uint8Array.from(indexedLiteral(`x-${String.fromCharCode(97 + n % 26)}`, value)));
  }
  // Index 62 is the newest entry (the 31st, "x-e"); 91 the oldest kept (the 2nd, "x-b").
  assert.deepEqual(decoder.decode(Uint8Array.from(indexed(62))), [["x-e", value]]);
  assert.deepEqual(decoder.decode(Uint8Array.from(indexed(91))), [["x-b", value]]);
  assert.throws(() => decoder.decode(Uint8Array.from(indexed(92))), isCompressionError);
  // A table size update to 270 bytes keeps the newest two entries only.
  assert.deepEqual(decoder.decode(Uint8Array.from([0x3f, 0xef, 0x01, ...indexed(63)])), [
    ["x-d", value],
  ]);
  assert.throws(() => decoder.decode(Uint8Array.from(indexed(64))), isCompressionError);
  // At 100 bytes, a 135-byte entry empties the table and is not kept (RFC 7541 §4.4).
  assert.deepEqual(
    decoder.decode(Uint8Array.from([0x3f, 0x45, ...indexedLiteral("x-z", value)])),
    [["x-z", value]],
  );
  assert.throws(() => decoder.decode(Uint8Array.from(indexed(62))), isCompressionError);
});

Deno.test("a table size update is taken only at the start of a block", () => {
  // Two updates, then a field: allowed.
  assert.deepEqual(
    new HeaderDecoder(16_384).decode(Uint8Array.from([0x20, 0x3f, 0xe1, 0x1f, 0x82])),
    [
      [":method", "GET"],
    ],
  );
  // A field, then an update (h2spec hpack/4.2/1): refused.
  assert.throws(
    () => new HeaderDecoder(16_384).decode(Uint8Array.from([0x82, 0x20])),
    isCompressionError,
  );
});
