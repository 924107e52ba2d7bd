import assert from "node:assert/strict";
import { ConnectionError, ErrorCode, FrameType } from "./frames.ts";
import { ClosedStreams, StreamStateMachine } from "./stream_state.ts";

Deno.test("a request stream: open, half-closed by the client's END_STREAM, closed by the answer", () => {
  const stream = new StreamStateMachine();
  assert.equal(stream.state, "idle");
  stream.receiveHeaders(false);
  assert.equal(stream.state, "open");
  assert.ok(stream.remoteOpen && stream.localOpen);
  stream.receiveEnd();
  assert.equal(stream.state, "half_closed_remote");
  assert.ok(!stream.remoteOpen && stream.localOpen);
  stream.sendEnd();
  assert.equal(stream.state, "closed");
  assert.equal(stream.closedBy, "end_stream");
});

Deno.test("answered before the body ended: half-closed (local), then the client's END_STREAM", () => {
  const stream = new StreamStateMachine();
  stream.receiveHeaders(false);
  stream.sendEnd();
  assert.equal(stream.state, "half_closed_local");
  assert.ok(stream.remoteOpen && !stream.localOpen);
  stream.receiveEnd();
  assert.deepEqual([stream.state, stream.closedBy], ["closed", "end_stream"]);
});

Deno.test("HEADERS with END_STREAM opens a stream half-closed; this end's HEADERS opens one too", () => {
  const received = new StreamStateMachine();
  received.receiveHeaders(true);
  assert.equal(received.state, "half_closed_remote");
  const sent = new StreamStateMachine();
  sent.sendHeaders(true);
  assert.equal(sent.state, "half_closed_local");
});

Deno.test("a reset closes from any open state and remembers who sent it", () => {
  for (
    const setup of [
      () => {},
      (s: StreamStateMachine) => s.receiveEnd(),
      (s: StreamStateMachine) => s.sendEnd(),
    ]
  ) {
    const local = new StreamStateMachine();
    local.receiveHeaders(false);
    setup(local);
    local.sendReset();
    assert.deepEqual([local.state, local.closedBy], ["closed", "local_reset"]);
    const remote = new StreamStateMachine();
    remote.receiveHeaders(false);
    setup(remote);
    remote.receiveReset();
    assert.deepEqual([remote.state, remote.closedBy], ["closed", "remote_reset"]);
  }
});

Deno.test("transitions out of order are refused", () => {
  const idle = new StreamStateMachine();
  assert.throws(() => idle.receiveEnd(), /receive END_STREAM on a stream that is idle/);
  assert.throws(() => idle.sendReset(), /send RST_STREAM on a stream that is idle/);
  assert.throws(() => idle.receiveReset(), /idle/);
  const closed = new StreamStateMachine();
  closed.receiveHeaders(true);
  assert.throws(
    () => closed.receiveHeaders(false),
    /receive HEADERS on a stream that is half_closed_remote/,
  );
  assert.throws(() => closed.receiveEnd(), /half_closed_remote/);
  closed.sendEnd();
  assert.throws(() => closed.sendEnd(), /closed/);
  assert.throws(() => closed.sendReset(), /closed/);
});

Deno.test("late frames are told apart by who closed the stream", () => {
  const closed = new ClosedStreams(4);
  closed.record(1, "local_reset");
  closed.record(3, "end_stream");
  closed.record(5, "remote_reset");
  const connectionError = (code: number) => (error: unknown) =>
    error instanceof ConnectionError && error.code === code;
  // After this end's reset, whatever was in flight is ignored.
  assert.equal(closed.classify(FrameType.DATA, 1, 9), "ignore");
  assert.equal(closed.classify(FrameType.HEADERS, 1, 9), "ignore");
  // After the peer ended or reset it, DATA and HEADERS are its error.
  for (const id of [3, 5]) {
    for (const type of [FrameType.DATA, FrameType.HEADERS, FrameType.CONTINUATION]) {
      assert.throws(
        () => closed.classify(type, id, 9),
        connectionError(ErrorCode.STREAM_CLOSED),
      );
    }
    for (const type of [FrameType.WINDOW_UPDATE, FrameType.PRIORITY, FrameType.RST_STREAM]) {
      assert.equal(closed.classify(type, id, 9), "ignore");
    }
  }
  // Above the last stream opened: idle, for the caller to decide.
  assert.equal(closed.classify(FrameType.DATA, 11, 9), "idle");
  // A stream never opened (skipped): a new HEADERS on it goes backwards.
  assert.throws(
    () => closed.classify(FrameType.HEADERS, 7, 9),
    connectionError(ErrorCode.PROTOCOL_ERROR),
  );
  assert.equal(closed.classify(FrameType.DATA, 7, 9), "ignore");
});

Deno.test("the record of closed streams is bounded: the oldest is forgotten", () => {
  const closed = new ClosedStreams(2);
  closed.record(1, "end_stream");
  closed.record(3, "end_stream");
  closed.record(5, "remote_reset");
  assert.equal(closed.closedBy(1), undefined);
  assert.equal(closed.closedBy(3), "end_stream");
  assert.equal(closed.closedBy(5), "remote_reset");
});
