import assert from "node:assert/strict";
import {
  ConnectionError,
  decodeSettings,
  encodeFrame,
  encodeSettings,
  ErrorCode,
  Flag,
  FrameParser,
  framePayloadContent,
  FrameType,
} from "./frames.ts";

Deno.test("frames cut at any byte boundary come out whole and in order", () => {
  const bytes = Uint8Array.from([
    ...encodeSettings([[0x4, 1 << 20]]),
    ...encodeFrame(FrameType.DATA, Flag.END_STREAM, 3, Uint8Array.of(1, 2, 3)),
    ...encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8)),
  ]);
  for (let cut = 1; cut < bytes.length; cut++) {
    const parser = new FrameParser();
    const frames = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut))];
    assert.deepEqual(frames.map((f) => [f.type, f.flags, f.streamId, f.payload.length]), [
      [FrameType.SETTINGS, 0, 0, 6],
      [FrameType.DATA, Flag.END_STREAM, 3, 3],
      [FrameType.PING, 0, 0, 8],
    ]);
    assert.deepEqual(decodeSettings(frames[0].payload), [[0x4, 1 << 20]]);
  }
});

Deno.test("frames fed one byte at a time come out whole, each payload its own buffer", () => {
  const data = Uint8Array.from({ length: 300 }, (_, index) => index % 251);
  const bytes = Uint8Array.from([
    ...encodeFrame(FrameType.DATA, 0, 1, data),
    ...encodeFrame(FrameType.DATA, Flag.END_STREAM, 1),
    ...encodeFrame(FrameType.PING, Flag.ACK, 0, new Uint8Array(8)),
  ]);
  const parser = new FrameParser();
  const frames = [...bytes].flatMap((byte) => parser.push(Uint8Array.of(byte)));
  assert.deepEqual(frames.map((f) => [f.type, f.flags, f.streamId, f.payload.length]), [
    [FrameType.DATA, 0, 1, 300],
    [FrameType.DATA, Flag.END_STREAM, 1, 0],
    [FrameType.PING, Flag.ACK, 0, 8],
  ]);
  assert.deepEqual(frames[0].payload, data);
  assert.equal(frames[0].payload.buffer.byteLength, 300, "not a view into a larger buffer");
});

Deno.test("a frame header announcing more than SETTINGS_MAX_FRAME_SIZE is refused before its payload", () => {
  const header = encodeFrame(FrameType.DATA, 0, 1, new Uint8Array(16_385)).subarray(0, 9);
  assert.throws(
    () => new FrameParser().push(header),
    (error) => error instanceof ConnectionError && error.code === ErrorCode.FRAME_SIZE_ERROR,
  );
});

Deno.test("padding and priority fields are removed; padding longer than the payload is refused", () => {
  const padded = encodeFrame(
    FrameType.HEADERS,
    Flag.PADDED | Flag.PRIORITY,
    1,
    Uint8Array.of(2, 0, 0, 0, 0, 9, 7, 7, 0, 0),
  );
  const [frame] = new FrameParser().push(padded);
  assert.deepEqual([...framePayloadContent(frame)], [7, 7]);
  const [bad] = new FrameParser().push(
    encodeFrame(FrameType.DATA, Flag.PADDED, 1, Uint8Array.of(5, 1)),
  );
  assert.throws(() => framePayloadContent(bad), ConnectionError);
});
