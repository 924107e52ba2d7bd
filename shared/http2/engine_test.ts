import assert from "node:assert/strict";
import { type MemorySocket, socketPair } from "../../tests/support/memory_socket.ts";
import { ConnectionEngine, type EngineOptions, type EngineRole } from "./engine.ts";
import {
  CLIENT_PREFACE,
  type ConnectionError,
  encodeFrame,
  encodeGoaway,
  encodeSettings,
  ErrorCode,
  errorCodeName,
  Flag,
  type Frame,
  FrameParser,
  FrameType,
  joinBytes,
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
class Harness {
  readonly role = new Recorder();
  readonly engine: ConnectionEngine;
  readonly frames: Frame[] = [];
  readonly ran: Promise<unknown>;
  #peer: MemorySocket;
  #changed = Promise.withResolvers<void>();

  constructor(options: Partial<EngineOptions> = {}) {
    const [local, peer] = socketPair();
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
    this.#read(!(options.server ?? false));
  }

  send(...frames: Uint8Array[]): Promise<number> {
    return this.#peer.write(joinBytes(frames));
  }

  /** The first frame the engine sent that matches, waiting at most 2 s. */
  async next(match: (frame: Frame) => boolean, what: string): Promise<Frame> {
    const deadline = Date.now() + 2_000;
    for (;;) {
      const frame = this.frames.find(match);
      if (frame) return frame;
      if (Date.now() > deadline) throw new Error(`no ${what}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#changed.promise,
        new Promise((resolve) => timer = setTimeout(resolve, 50)),
      ]);
      clearTimeout(timer);
    }
  }

  /** The engine's GOAWAY: its error code, by name. */
  async goaway(): Promise<string> {
    const frame = await this.next((frame) => frame.type === FrameType.GOAWAY, "GOAWAY");
    return errorCodeName(new DataView(frame.payload.buffer, frame.payload.byteOffset).getUint32(4));
  }

  async close(): Promise<void> {
    this.engine.close();
    this.engine.outbox.destroy();
    this.#peer.close();
    await this.ran;
  }

  async #read(preface: boolean): Promise<void> {
    const parser = new FrameParser(1 << 20);
    const buffer = new Uint8Array(64 * 1024);
    let pending = preface ? CLIENT_PREFACE.length : 0;
    for (;;) {
      const read = await this.#peer.read(buffer).catch(() => null);
      if (read === null) return;
      let bytes = buffer.subarray(0, read);
      const skipped = Math.min(pending, bytes.length);
      pending -= skipped;
      bytes = bytes.subarray(skipped);
      this.frames.push(...parser.push(bytes));
      this.#changed.resolve();
      this.#changed = Promise.withResolvers();
    }
  }
}

Deno.test("engine: the client preface and SETTINGS go out; the peer's SETTINGS are applied and acknowledged", async () => {
  const harness = new Harness();
  try {
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
  } finally {
    await harness.close();
  }
});

Deno.test("engine: a first frame other than SETTINGS is a connection error", async () => {
  const harness = new Harness();
  try {
    await harness.send(encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8)));
    assert.equal(await harness.goaway(), "PROTOCOL_ERROR");
    assert.match(harness.role.errors[0].message, /preface is not followed by SETTINGS/);
  } finally {
    await harness.close();
  }
});

Deno.test("engine: SETTINGS never acknowledged end in GOAWAY SETTINGS_TIMEOUT", async () => {
  const harness = new Harness({ settingsTimeoutMs: 50 });
  try {
    await harness.send(encodeSettings([]));
    assert.equal(await harness.goaway(), "SETTINGS_TIMEOUT");
    assert.equal(harness.role.errors[0].code, ErrorCode.SETTINGS_TIMEOUT);
  } finally {
    await harness.close();
  }
});

Deno.test("engine: PING is answered; a PING flood ends in ENHANCE_YOUR_CALM", async () => {
  const harness = new Harness();
  try {
    const ping = encodeFrame(FrameType.PING, 0, 0, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    await harness.send(encodeSettings([]), SETTINGS_ACK, ping);
    const ack = await harness.next((f) => f.type === FrameType.PING, "PING ACK");
    assert.equal(ack.flags, Flag.ACK);
    assert.deepEqual([...ack.payload], [1, 2, 3, 4, 5, 6, 7, 8]);
    await harness.send(...Array(200).fill(ping));
    assert.equal(await harness.goaway(), "ENHANCE_YOUR_CALM");
    assert.match(harness.role.errors[0].message, /too many frames: ping/);
  } finally {
    await harness.close();
  }
});

Deno.test("engine: the peer's GOAWAY makes the connection closing and is told to the role", async () => {
  const harness = new Harness();
  try {
    await harness.send(encodeSettings([]), encodeGoaway(7, ErrorCode.NO_ERROR));
    const deadline = Date.now() + 2_000;
    while (!harness.role.goaways.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(harness.role.goaways, [7]);
    assert.equal(harness.engine.state.state, "closing");
  } finally {
    await harness.close();
  }
});

Deno.test("engine: a server reads the client preface; HEADERS on stream 0 is a connection error", async () => {
  const harness = new Harness({ server: true });
  try {
    await harness.send(
      CLIENT_PREFACE,
      encodeSettings([]),
      encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, 0, Uint8Array.of(0x82)),
    );
    assert.equal(await harness.goaway(), "PROTOCOL_ERROR");
    assert.match(harness.role.errors[0].message, /HEADERS on stream 0/);
  } finally {
    await harness.close();
  }
});

Deno.test("engine: a header block is gathered, decoded and handed to the role", async () => {
  const harness = new Harness({ server: true });
  try {
    await harness.send(
      CLIENT_PREFACE,
      encodeSettings([]),
      encodeFrame(FrameType.HEADERS, 0, 1, Uint8Array.of(0x82)),
      encodeFrame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, Uint8Array.of(0x84)),
    );
    const deadline = Date.now() + 2_000;
    while (!harness.role.blocks.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(harness.role.blocks, [1]);
    assert.equal(harness.engine.state.state, "open");
  } finally {
    await harness.close();
  }
});
