import assert from "node:assert/strict";
import { ConnectionError, ErrorCode, Flag, FrameParser } from "./frames.ts";
import { SendFlow } from "./send_flow.ts";

function collect() {
  const parser = new FrameParser();
  const frames: { flags: number; length: number }[] = [];
  const send = (bytes: Uint8Array) => {
    for (const frame of parser.push(bytes)) {
      frames.push({ flags: frame.flags, length: frame.payload.length });
    }
  };
  return { frames, send };
}

Deno.test("DATA is cut to the peer's frame size, the last frame ending the stream", async () => {
  const flow = new SendFlow();
  const { frames, send } = collect();
  await flow.sendData(
    { id: 1, sendWindow: 65_535 },
    new Uint8Array(40_000),
    true,
    () => true,
    send,
  );
  assert.deepEqual(frames, [
    { flags: 0, length: 16_384 },
    { flags: 0, length: 16_384 },
    { flags: Flag.END_STREAM, length: 7_232 },
  ]);
});

Deno.test("an empty body is one empty END_STREAM frame; empty data without it is none", async () => {
  const flow = new SendFlow();
  const { frames, send } = collect();
  await flow.sendData({ id: 1, sendWindow: 0 }, new Uint8Array(0), true, () => true, send);
  await flow.sendData({ id: 3, sendWindow: 10 }, new Uint8Array(0), false, () => true, send);
  assert.deepEqual(frames, [{ flags: Flag.END_STREAM, length: 0 }]);
});

Deno.test("a body within the frame size and both windows goes at once, as one ending frame", () => {
  const flow = new SendFlow();
  const stream = { id: 1, sendWindow: 1_000 };
  const { frames, send } = collect();
  assert.equal(flow.sendAtOnce(stream, new Uint8Array(600), send), true);
  assert.deepEqual(frames, [{ flags: Flag.END_STREAM, length: 600 }]);
  assert.equal(stream.sendWindow, 400);
  assert.equal(flow.sendAtOnce({ id: 3, sendWindow: 1_000 }, new Uint8Array(401), send), true);
  assert.equal(flow.sendAtOnce({ id: 5, sendWindow: 65_535 }, new Uint8Array(65_000), send), false);
  assert.equal(flow.sendAtOnce({ id: 7, sendWindow: 10 }, new Uint8Array(11), send), false);
  assert.equal(frames.length, 2, "nothing sent for a body that does not fit");
});

Deno.test("a shut window holds DATA until a WINDOW_UPDATE opens it", async () => {
  const flow = new SendFlow();
  const stream = { id: 1, sendWindow: 65_535 };
  const { frames, send } = collect();
  await flow.sendData(stream, new Uint8Array(65_535), false, () => true, send);
  const rest = flow.sendData(stream, new Uint8Array(100), true, () => true, send);
  await Promise.resolve();
  assert.equal(frames.length, 4);
  flow.growConnection(60);
  assert.equal(flow.growStream(stream, 1000), undefined);
  await Promise.resolve();
  flow.growConnection(40);
  await rest;
  assert.deepEqual(frames.slice(4), [{ flags: 0, length: 60 }, {
    flags: Flag.END_STREAM,
    length: 40,
  }]);
  assert.equal(stream.sendWindow, 900);
});

Deno.test("WINDOW_UPDATE of zero or past 2^31-1 is refused", () => {
  const flow = new SendFlow();
  assert.throws(
    () => flow.growConnection(0),
    (error) => error instanceof ConnectionError && error.code === ErrorCode.PROTOCOL_ERROR,
  );
  assert.throws(
    () => flow.growConnection(2 ** 31 - 1),
    (error) => error instanceof ConnectionError && error.code === ErrorCode.FLOW_CONTROL_ERROR,
  );
  assert.equal(flow.growStream({ id: 1, sendWindow: 10 }, 0), ErrorCode.PROTOCOL_ERROR);
  assert.equal(
    flow.growStream({ id: 1, sendWindow: 10 }, 2 ** 31 - 1),
    ErrorCode.FLOW_CONTROL_ERROR,
  );
});

Deno.test("SETTINGS move open streams' windows by the change of initial window", () => {
  const flow = new SendFlow();
  const streams = [{ id: 1, sendWindow: 65_535 }, { id: 3, sendWindow: 100 }];
  flow.applySettings({ initialWindowSize: 1_000, maxFrameSize: 20_000 }, streams);
  assert.deepEqual(streams.map((stream) => stream.sendWindow), [1_000, 100 - 64_535]);
  assert.equal(flow.initialStreamWindow, 1_000);
  assert.equal(flow.maxFrameSize, 20_000);
});
