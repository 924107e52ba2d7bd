import assert from "node:assert/strict";
import { FrameRecorder } from "../../tests/support/frame_recorder.ts";
import { type MemorySocket, socketPair } from "../../tests/support/memory_socket.ts";
import { waitUntil } from "../../tests/support/until.ts";
import { ConnectionEngine, type EngineOptions, type EngineRole } from "./engine.ts";
import {
  CLIENT_PREFACE,
  type ConnectionError,
  encodeFrame,
  encodeGoaway,
  encodeSettings,
  ErrorCode,
  Flag,
  FrameType,
  Setting,
} from "./frames.ts";
import { SETTINGS_ACK } from "./settings.ts";

/** A role that records what the engine tells it. */
class Recorder implements EngineRole {
  errors: ConnectionError[] = [];
  goaways: number[] = [];
  blocks: number[] = [];
  onData(): void {}
  onHeadersFrame(): void {}
  onHeaderBlock(block: { streamId: number }): void {
    this.blocks.push(block.streamId);
  }
  onReset(): void {}
  onStreamWindowUpdate(): void {}
  onGoaway(goaway: { lastStreamId: number }): void {
    this.goaways.push(goaway.lastStreamId);
  }
  streams(): Iterable<never> {
    return [];
  }
  onConnectionError(error: ConnectionError): void {
    this.errors.push(error);
  }
  onOutputRefused(): void {}
}

/** An engine on one end of an in-memory socket; the test speaks raw frames on the other. */
class Harness extends FrameRecorder {
  readonly role = new Recorder();
  readonly engine: ConnectionEngine;
  readonly ran: Promise<unknown>;
  #peer: MemorySocket;

  constructor(options: Partial<EngineOptions> = {}) {
    const [local, peer] = socketPair();
    super(peer, !options.server);
    this.#peer = peer;
    this.engine = new ConnectionEngine(local, this.role, {
      server: false,
      settings: [[Setting.ENABLE_PUSH, 0]],
      streamUpdateThreshold: 16 * 1024,
      maxHeaderListSize: 16 * 1024,
      settingsTimeoutMs: 5_000,
      outbox: { onWriteError: () => {} },
      ...options,
    });
    this.ran = this.engine.run();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.engine.close();
    this.engine.outbox.destroy();
    this.#peer.close();
    await this.ran;
  }
}

Deno.test("engine: the client preface and SETTINGS go out; the peer's SETTINGS are applied and acknowledged", async () => {
  await using harness = new Harness();
  const settings = await harness.next((f) => f.type === FrameType.SETTINGS, "SETTINGS");
  assert.equal(settings.flags & Flag.ACK, 0);
  assert.equal(harness.engine.state.state, "handshake");
  await harness.send(
    encodeSettings([
      [Setting.MAX_CONCURRENT_STREAMS, 1],
      [Setting.MAX_HEADER_LIST_SIZE, 100],
      [Setting.MAX_FRAME_SIZE, 20_000],
    ]),
    SETTINGS_ACK,
  );
  await harness.next((f) => f.type === FrameType.SETTINGS && !!(f.flags & Flag.ACK), "ACK");
  assert.equal(harness.engine.state.state, "open");
  assert.equal(harness.engine.peerMaxConcurrentStreams, 1);
  assert.equal(harness.engine.peerMaxHeaderListSize, 100);
  assert.equal(harness.engine.flow.maxFrameSize, 20_000);
  // 32 per field plus the bytes of name and value (RFC 9113 §6.5.2).
  assert.ok(harness.engine.fitsPeerHeaderList([["a", "b".repeat(67)]]));
  assert.ok(!harness.engine.fitsPeerHeaderList([["a", "b".repeat(68)]]));
  assert.ok(!harness.engine.fitsPeerHeaderList([["a", "é".repeat(34)]]));
});

Deno.test("engine: a first frame other than SETTINGS is a connection error", async () => {
  await using harness = new Harness();
  await harness.send(encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8)));
  assert.equal(await harness.goaway(), "PROTOCOL_ERROR");
  assert.match(harness.role.errors[0].message, /preface is not followed by SETTINGS/);
});

Deno.test("engine: SETTINGS never acknowledged end in GOAWAY SETTINGS_TIMEOUT", async () => {
  await using harness = new Harness({ settingsTimeoutMs: 50 });
  await harness.send(encodeSettings([]));
  assert.equal(await harness.goaway(), "SETTINGS_TIMEOUT");
  assert.equal(harness.role.errors[0].code, ErrorCode.SETTINGS_TIMEOUT);
});

Deno.test("engine: PING is answered; a PING flood ends in ENHANCE_YOUR_CALM", async () => {
  await using harness = new Harness();
  const ping = encodeFrame(FrameType.PING, 0, 0, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  await harness.send(encodeSettings([]), SETTINGS_ACK, ping);
  const ack = await harness.next((f) => f.type === FrameType.PING, "PING ACK");
  assert.equal(ack.flags, Flag.ACK);
  assert.deepEqual([...ack.payload], [1, 2, 3, 4, 5, 6, 7, 8]);
  await harness.send(...Array(200).fill(ping));
  assert.equal(await harness.goaway(), "ENHANCE_YOUR_CALM");
  assert.match(harness.role.errors[0].message, /too many frames: ping/);
});

Deno.test("engine: the peer's GOAWAY makes the connection closing and is told to the role", async () => {
  await using harness = new Harness();
  await harness.send(encodeSettings([]), encodeGoaway(7, ErrorCode.NO_ERROR));
  await waitUntil(() => harness.role.goaways.length > 0, 2_000, "the role told of GOAWAY");
  assert.deepEqual(harness.role.goaways, [7]);
  assert.equal(harness.engine.state.state, "closing");
});

Deno.test("engine: a server reads the client preface; HEADERS on stream 0 is a connection error", async () => {
  await using harness = new Harness({ server: true });
  await harness.send(
    CLIENT_PREFACE,
    encodeSettings([]),
    encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, 0, Uint8Array.of(0x82)),
  );
  assert.equal(await harness.goaway(), "PROTOCOL_ERROR");
  assert.match(harness.role.errors[0].message, /HEADERS on stream 0/);
});

Deno.test("engine: a header block is gathered, decoded and handed to the role", async () => {
  await using harness = new Harness({ server: true });
  await harness.send(
    CLIENT_PREFACE,
    encodeSettings([]),
    encodeFrame(FrameType.HEADERS, 0, 1, Uint8Array.of(0x82)),
    encodeFrame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, Uint8Array.of(0x84)),
  );
  await waitUntil(() => harness.role.blocks.length > 0, 2_000, "the role given the block");
  assert.deepEqual(harness.role.blocks, [1]);
  assert.equal(harness.engine.state.state, "open");
});
