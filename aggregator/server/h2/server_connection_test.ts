import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { createContextValues } from "@connectrpc/connect";
import type { UniversalServerRequest } from "@connectrpc/connect/protocol";
import type { ListenerLimits } from "../../config/mod.ts";
import {
  CLIENT_PREFACE,
  encodeFrame,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
} from "../../../shared/http2/frames.ts";
import { HeaderEncoder } from "../../../shared/http2/hpack.ts";
import { ErrorCode, Flag, FrameType, MemoryBudget, Setting } from "../../../shared/http2/mod.ts";
import { SETTINGS_ACK } from "../../../shared/http2/settings.ts";
import { FrameRecorder } from "../../../tests/support/frame_recorder.ts";
import { type MemorySocket, socketPair } from "../../../tests/support/memory_socket.ts";
import { CONNECTION_COST, ServerConnection, STREAM_COST } from "./server_connection.ts";

const LIMITS: ListenerLimits = {
  maxConnections: 10,
  maxConnectionsPerPeer: 10,
  maxConcurrentStreams: 10,
  maxStreamResets: 5,
  handshakeTimeoutMs: 5_000,
  idleTimeoutMs: 5_000,
  requestTimeoutMs: 5_000,
};

/** Answers every request with 200 and its body's length, once the body ended. */
async function handle(request: UniversalServerRequest) {
  let length = 0;
  for await (const chunk of request.body as AsyncIterable<Uint8Array>) length += chunk.length;
  return {
    status: 200,
    header: new Headers(),
    body: (async function* () {
      yield new TextEncoder().encode(String(length));
    })(),
  };
}

function request(length?: number): Uint8Array {
  return new HeaderEncoder().encode([
    [":method", "POST"],
    [":scheme", "http"],
    [":authority", "test"],
    [":path", "/echo"],
    ...(length === undefined ? [] : [["content-length", String(length)] as const]),
  ]);
}

const headers = (id: number, flags: number, length?: number) =>
  encodeFrame(FrameType.HEADERS, Flag.END_HEADERS | flags, id, request(length));
const data = (id: number, bytes: number, flags = 0) =>
  encodeFrame(FrameType.DATA, flags, id, new Uint8Array(bytes));

/** A server connection on one end of an in-memory socket, and a client on the other. */
class Exchange extends FrameRecorder {
  readonly server: ServerConnection;
  readonly socket: MemorySocket;
  #client: MemorySocket;

  constructor(
    budget = new MemoryBudget(64 * 1024 * 1024),
    limits = LIMITS,
    budgetBackOffMs = 0,
  ) {
    const [server, client] = socketPair();
    super(client);
    this.socket = server;
    this.#client = client;
    this.server = new ServerConnection(server, {
      limits,
      maxBodyBytes: 1 << 20,
      handle,
      contextValues: () => createContextValues(),
      authority: "test",
      budget,
      budgetBackOffMs,
    });
  }

  /** Preface, SETTINGS and the ACK of the server's. */
  handshake(): Promise<void> {
    return this.send(CLIENT_PREFACE, encodeSettings([]), SETTINGS_ACK);
  }

  /** The response body on stream `id`, as text. */
  async answer(id: number): Promise<string> {
    const end = await this.next(
      (frame) => frame.type === FrameType.DATA && frame.streamId === id && frame.payload.length > 0,
      `an answer on ${id}`,
    );
    return new TextDecoder().decode(end.payload);
  }

  async close(): Promise<void> {
    this.server.destroy();
    this.#client.close();
    await this.server.done;
  }
}

Deno.test("a request is answered; the stream closes and late DATA on it is STREAM_CLOSED", async () => {
  const exchange = new Exchange();
  await exchange.handshake();
  await exchange.send(headers(1, 0, 3), data(1, 3, Flag.END_STREAM));
  assert.equal(await exchange.answer(1), "3");
  await exchange.send(data(1, 1));
  assert.equal(await exchange.goaway(), "STREAM_CLOSED");
  await exchange.close();
});

Deno.test("a frame other than SETTINGS after the preface is a PROTOCOL_ERROR", async () => {
  const exchange = new Exchange();
  await exchange.send(CLIENT_PREFACE, headers(1, Flag.END_STREAM));
  assert.equal(await exchange.goaway(), "PROTOCOL_ERROR");
  await exchange.server.done;
});

Deno.test("DATA and WINDOW_UPDATE on an idle stream are PROTOCOL_ERRORs", async () => {
  for (const frame of [data(1, 1), encodeWindowUpdate(3, 1)]) {
    const exchange = new Exchange();
    await exchange.handshake();
    await exchange.send(frame);
    assert.equal(await exchange.goaway(), "PROTOCOL_ERROR");
    await exchange.close();
  }
});

Deno.test("a new stream below the last one opened is a PROTOCOL_ERROR", async () => {
  const exchange = new Exchange();
  await exchange.handshake();
  await exchange.send(headers(5, Flag.END_STREAM, 0), headers(3, Flag.END_STREAM, 0));
  assert.equal(await exchange.goaway(), "PROTOCOL_ERROR");
  await exchange.close();
});

Deno.test("HEADERS on a half-closed (remote) stream resets it with STREAM_CLOSED", async () => {
  const exchange = new Exchange();
  await exchange.handshake();
  // The body never ends from the handler's side: it waits, the stream stays half-closed.
  await exchange.send(headers(1, 0, 10), data(1, 1, Flag.END_STREAM));
  assert.equal(await exchange.reset(1), "PROTOCOL_ERROR", "content-length not met");
  await exchange.send(headers(3, Flag.END_STREAM), headers(3, Flag.END_STREAM));
  const code = await Promise.race([exchange.reset(3), exchange.goaway()]);
  assert.equal(code, "STREAM_CLOSED");
  await exchange.close();
});

Deno.test("after the server reset a stream, what the client had in flight is ignored", async () => {
  const exchange = new Exchange();
  await exchange.handshake();
  await exchange.send(headers(1, 0, 100), encodeWindowUpdate(1, 0));
  assert.equal(await exchange.reset(1), "PROTOCOL_ERROR");
  await exchange.send(data(1, 10), headers(3, Flag.END_STREAM, 0));
  assert.equal(await exchange.answer(3), "0", "the connection goes on");
  assert.ok(!exchange.frames.some((frame) => frame.type === FrameType.GOAWAY));
  await exchange.close();
});

Deno.test("every reset counts, RST_STREAM(NO_ERROR) and provoked ones alike", async () => {
  const exchange = new Exchange();
  await exchange.handshake();
  const frames = [];
  for (let index = 0; index < 3; index++) {
    const id = 1 + 2 * index;
    frames.push(headers(id, 0, 100), encodeRstStream(id, ErrorCode.NO_ERROR));
  }
  for (let index = 3; index < 6; index++) {
    const id = 1 + 2 * index;
    frames.push(headers(id, 0, 100), encodeWindowUpdate(id, 0));
  }
  await exchange.send(...frames);
  assert.equal(await exchange.goaway(), "ENHANCE_YOUR_CALM");
  await exchange.server.done;
});

Deno.test("a PING flood past its rate ends with ENHANCE_YOUR_CALM", async () => {
  const exchange = new Exchange();
  await exchange.handshake();
  const ping = encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8));
  await exchange.send(...Array.from({ length: 200 }, () => ping));
  assert.equal(await exchange.goaway(), "ENHANCE_YOUR_CALM");
  await exchange.server.done;
});

Deno.test("streams that do not fit the memory budget are refused; the first one uses the reserve", async () => {
  // The part open to all is full: the connection and its first stream get in on the reserve.
  const budget = new MemoryBudget(1 << 20);
  assert.ok(CONNECTION_COST + STREAM_COST + 10 < (1 << 20) * 0.2, "the reserve holds them");
  budget.take((1 << 20) * 0.8 - 1);
  const exchange = new Exchange(budget);
  await exchange.handshake();
  await exchange.send(headers(1, 0, 10), headers(3, 0, 10));
  assert.equal(await exchange.reset(3), "REFUSED_STREAM");
  await exchange.send(data(1, 10, Flag.END_STREAM));
  assert.equal(await exchange.answer(1), "10", "the first stream was admitted");
  await exchange.close();
});

Deno.test("a connection the budget turned away is not read for its back-off", async () => {
  const budget = new MemoryBudget(1 << 20);
  budget.take((1 << 20) * 0.8 - 1);
  const exchange = new Exchange(budget, LIMITS, 300);
  await exchange.handshake();
  await exchange.send(headers(1, 0, 10), headers(3, 0, 10));
  assert.equal(await exchange.reset(3), "REFUSED_STREAM");
  const sent = performance.now();
  await exchange.send(encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8)));
  await exchange.next((frame) => frame.type === FrameType.PING, "the PING's ACK");
  assert.ok(performance.now() - sent >= 250, "the PING waited for the back-off");
  await exchange.close();
});

Deno.test("closing does not wait on a write the client never reads", async () => {
  const exchange = new Exchange();
  await exchange.handshake();
  exchange.socket.stall();
  await exchange.send(headers(1, Flag.END_STREAM, 0));
  const start = performance.now();
  exchange.server.shutdown();
  await exchange.server.done;
  assert.ok(performance.now() - start < 3_000, "released within the linger time");
  assert.equal(exchange.socket.closed, true);
});

Deno.test("a body past what the budget allows resets its stream, not the connection", async () => {
  const budget = new MemoryBudget(1 << 20);
  const others = Math.floor((1 << 20) * 0.8) - 1;
  budget.take(others);
  const exchange = new Exchange(budget);
  await exchange.handshake();
  // A first stream may take up to 16 KiB of body from the reserve, no more.
  await exchange.send(headers(1, 0, 20_000), data(1, 16_000), data(1, 4_000, Flag.END_STREAM));
  assert.equal(await exchange.reset(1), "REFUSED_STREAM");
  await exchange.send(headers(3, Flag.END_STREAM, 0));
  assert.equal(await exchange.answer(3), "0");
  assert.ok(!exchange.frames.some((frame) => frame.type === FrameType.GOAWAY));
  await exchange.close();
  assert.equal(budget.used, others, "everything the connection took was released");
});

Deno.test("SETTINGS not acknowledged within 10 s end the connection with SETTINGS_TIMEOUT", async () => {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout"] });
  try {
    const limits = { ...LIMITS, handshakeTimeoutMs: 60_000, idleTimeoutMs: 60_000 };
    const exchange = new Exchange(undefined, limits);
    await exchange.send(CLIENT_PREFACE, encodeSettings([]));
    await clock.tickAsync(9_999);
    assert.ok(!exchange.frames.some((frame) => frame.type === FrameType.GOAWAY));
    await clock.tickAsync(1);
    assert.equal(await exchange.goaway(), "SETTINGS_TIMEOUT");
    await clock.tickAsync(2_000);
    await exchange.server.done;
  } finally {
    clock.uninstall();
  }
});

Deno.test("the SETTINGS ACK stops that timer", async () => {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout"] });
  try {
    const limits = { ...LIMITS, handshakeTimeoutMs: 60_000, idleTimeoutMs: 60_000 };
    const exchange = new Exchange(undefined, limits);
    await exchange.handshake();
    await clock.tickAsync(20_000);
    assert.ok(!exchange.frames.some((frame) => frame.type === FrameType.GOAWAY));
    exchange.server.destroy();
    await clock.tickAsync(2_000);
    await exchange.server.done;
  } finally {
    clock.uninstall();
  }
});

Deno.test("a response over the client's MAX_HEADER_LIST_SIZE is not sent: the stream is reset", async () => {
  const exchange = new Exchange();
  // ":status: 200" alone counts 42 (RFC 9113 §6.5.2): more than the client accepts.
  await exchange.send(CLIENT_PREFACE, encodeSettings([[Setting.MAX_HEADER_LIST_SIZE, 40]]));
  await exchange.send(SETTINGS_ACK, headers(1, Flag.END_STREAM, 0));
  assert.equal(await exchange.reset(1), "INTERNAL_ERROR");
  assert.ok(!exchange.frames.some((f) => f.type === FrameType.HEADERS));
  await exchange.close();
});
