import assert from "node:assert/strict";
import {
  ConnectionError,
  encodeHeaderBlock,
  ErrorCode,
  FrameParser,
  FrameType,
  joinBytes,
} from "./frames.ts";
import { HeaderBlockReader } from "./header_block.ts";
import { HeaderEncoder, type HeaderField } from "./hpack.ts";

const FIELDS: HeaderField[] = [[":status", "200"], ["content-type", "application/grpc"], [
  "x-long",
  "v".repeat(40),
]];

/** HEADERS and CONTINUATION frames for FIELDS, cut at `frameSize`. */
function frames(streamId: number, frameSize: number) {
  const block = new HeaderEncoder().encode(FIELDS);
  return new FrameParser().push(joinBytes(encodeHeaderBlock(streamId, block, frameSize, 0)));
}

Deno.test("HEADERS and its CONTINUATION frames decode as one block", () => {
  const reader = new HeaderBlockReader(16 * 1024);
  const parts = frames(1, 20);
  assert.ok(parts.length > 1);
  assert.equal(parts[1].type, FrameType.CONTINUATION);
  const results = parts.map((frame) => reader.push(frame));
  assert.deepEqual(results.slice(0, -1), parts.slice(0, -1).map(() => undefined));
  assert.deepEqual(results.at(-1), { streamId: 1, endStream: false, fields: FIELDS });
});

Deno.test("an interrupted or over-size block is a connection error", () => {
  const reader = new HeaderBlockReader(16 * 1024);
  const parts = frames(1, 20);
  reader.push(parts[0]);
  assert.throws(
    () =>
      reader.checkNotInterrupted({
        type: FrameType.DATA,
        flags: 0,
        streamId: 1,
        payload: new Uint8Array(),
      }),
    (error) => error instanceof ConnectionError && error.code === ErrorCode.PROTOCOL_ERROR,
  );
  const small = new HeaderBlockReader(30);
  assert.throws(
    () => frames(1, 20).forEach((frame) => small.push(frame)),
    (error) => error instanceof ConnectionError && error.code === ErrorCode.ENHANCE_YOUR_CALM,
  );
});

Deno.test("a block in more frames than the cap is a connection error, even with empty ones", () => {
  const reader = new HeaderBlockReader(16 * 1024, 4);
  const empty = (type: number) => ({ type, flags: 0, streamId: 1, payload: new Uint8Array() });
  for (let index = 0; index < 4; index++) {
    reader.push(empty(index ? FrameType.CONTINUATION : FrameType.HEADERS));
  }
  assert.throws(
    () => reader.push(empty(FrameType.CONTINUATION)),
    (error) => error instanceof ConnectionError && error.code === ErrorCode.ENHANCE_YOUR_CALM,
  );
});
