/**
 * One cleartext HTTP/2 connection (prior knowledge) on the aggregator's own
 * server, RFC 9113 from the server side, on the shared engine's parts: the
 * connection and stream state machines, inbound and outbound flow control,
 * header blocks, the outbox. Each request goes to `handle` as a connect
 * universal request; responses go out as HEADERS, DATA and trailers.
 *
 * No client can make it hold more than it can afford (docs/ARCHITECTURE.md,
 * "The HTTP/2 engine"): the connection, its streams and their bodies are
 * charged to the process's memory budget and refused when they do not fit;
 * every reset the client sends or provokes is counted; control and empty
 * frames are rate limited; output is capped and a write that makes no
 * progress ends the connection; and each connection handles a bounded number
 * of frames per turn of the event loop. Every breach ends in GOAWAY with its
 * error code (or RST_STREAM when it concerns one stream), after which the
 * socket lingers briefly so the client reads the GOAWAY; nothing thrown here
 * escapes the connection. It reads and writes any `Deno.Conn`-shaped duplex.
 *
 * @module
 */
import { Code, ConnectError, type ContextValues } from "@connectrpc/connect";
import type { UniversalServerRequest, UniversalServerResponse } from "@connectrpc/connect/protocol";
import type { ListenerLimits } from "../../config/mod.ts";
import {
  ClosedStreams,
  ConnectionEngine,
  ConnectionError,
  DEFAULT_MAX_FRAME_SIZE,
  type Duplex,
  ErrorCode,
  errorCodeName,
  Flag,
  type Frame,
  FrameType,
  type HeaderBlock,
  type HeaderField,
  type MemoryBudget,
  READ_BUFFER_BYTES,
  Setting,
  StreamError,
  StreamStateMachine,
} from "../../../shared/http2/mod.ts";
import { log } from "../../../shared/log.ts";
import { RequestBody } from "./request_body.ts";
import { type RequestHead, requestHead } from "./request_head.ts";
import { ResetBudget } from "./reset_budget.ts";
import type { ServerStream } from "./server_stream.ts";

const logger = log("aggregator", "h2");

/** What each request stream may have unread at once; announced as INITIAL_WINDOW_SIZE. */
export const STREAM_WINDOW = 256 * 1024;
/** What all streams of a connection may have unread at once. */
export const CONNECTION_WINDOW = 1024 * 1024;
/** Announced as MAX_HEADER_LIST_SIZE, and the most of a compressed header block kept. */
export const MAX_HEADER_LIST_SIZE = 16 * 1024;
/** Reopen a stream window once this much of it was read (a small body needs no update). */
const STREAM_UPDATE_THRESHOLD = 16 * 1024;
/** How long an answered stream may take to end its request body before it is reset. */
const ANSWERED_GRACE_MS = 100;
/** Output (bytes plus per-frame overhead) queued for a client that does not read; past this the connection is cut. */
const MAX_OUTBOX_BYTES = 1024 * 1024;
/** With the memory budget spent, a connection holding more output than this is cut. */
const OUTBOX_UNDER_PRESSURE = 64 * 1024;
/** A write that makes no progress this long ends the connection. */
const WRITE_TIMEOUT_MS = 10_000;
/** After closing: how long the socket stays open to deliver the GOAWAY and read what still comes. */
const LINGER_MS = 1_000;
/** ...and how much of what still comes is read (and dropped) at most. */
const LINGER_BYTES = 64 * 1024 * 1024;
/** How long the client has to acknowledge this server's SETTINGS (RFC 9113 §6.5.3). */
const SETTINGS_TIMEOUT_MS = 10_000;
/**
 * A connection's standing cost: its read buffer, a header block being
 * gathered (up to 16 KiB), the HPACK tables, the closed-stream record and
 * the objects of the connection itself.
 */
export const CONNECTION_COST = 48 * 1024;
/** A request stream in flight: its record, timers, signal and the handler's state (measured near 30 kB). */
export const STREAM_COST = 32 * 1024;
/** The part of the memory budget one connection may hold in streams and bodies. */
const CONNECTION_SHARE = 1 / 8;
/** A connection's first stream may use the budget's reserve for this much body. */
const RESERVED_BODY_BYTES = 16 * 1024;
export type Handle = (request: UniversalServerRequest) => Promise<UniversalServerResponse>;

export interface ServerConnectionOptions {
  limits: ListenerLimits;
  /** The most request body bytes (DATA content) one stream may carry. */
  maxBodyBytes: number;
  handle: Handle;
  contextValues: () => ContextValues;
  /** `host:port` for a request without `:authority`. */
  authority: string;
  /** The process's memory budget, shared by every connection. */
  budget: MemoryBudget;
  /**
   * How long a connection whose stream or body the budget refused is not
   * read (0: it is read on). A plain socket's unread bytes wait in the
   * kernel; a TLS socket would decrypt them into memory meanwhile.
   */
  budgetBackOffMs: number;
}

export class ServerConnection {
  #conn: Duplex;
  #options: ServerConnectionOptions;
  #engine: ConnectionEngine;
  #streams = new Map<number, ServerStream>();
  #closedStreams = new ClosedStreams();
  #resets: ResetBudget;
  /** Budget bytes this connection holds, its own cost included once admitted. */
  #held = 0;
  #handshakeTimer?: ReturnType<typeof setTimeout>;
  #idleTimer?: ReturnType<typeof setTimeout>;
  #lingerTimer?: ReturnType<typeof setTimeout>;
  #ended?: Promise<void>;
  #done = Promise.withResolvers<void>();

  constructor(conn: Duplex, options: ServerConnectionOptions) {
    this.#conn = conn;
    this.#options = options;
    const budget = options.budget;
    this.#resets = new ResetBudget(options.limits.maxStreamResets);
    this.#engine = new ConnectionEngine(conn, {
      onData: (frame, content) => this.#onData(frame, content),
      onHeadersFrame: (frame) => this.#onHeadersFrame(frame),
      onHeaderBlock: (block) => this.#onHeaderBlock(block),
      onReset: (frame, code) => this.#onReset(frame, code),
      onStreamWindowUpdate: (frame, increment) => this.#onWindowUpdate(frame, increment),
      onGoaway: () => this.#closeIfDone(),
      streams: () => this.#streams.values(),
      onConnectionError: (error) => {
        logger.debug("GOAWAY {code}: {message}", {
          code: errorCodeName(error.code),
          message: error.message,
        });
        this.#close();
      },
      onOutputRefused: () => {
        logger.debug("a client that does not read: connection closed");
        this.#close();
      },
    }, {
      server: true,
      settings: [
        [Setting.MAX_CONCURRENT_STREAMS, options.limits.maxConcurrentStreams],
        [Setting.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
        [Setting.MAX_FRAME_SIZE, DEFAULT_MAX_FRAME_SIZE],
        [Setting.MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST_SIZE],
        [Setting.ENABLE_PUSH, 0],
      ],
      connectionWindow: CONNECTION_WINDOW,
      streamWindow: STREAM_WINDOW,
      streamUpdateThreshold: STREAM_UPDATE_THRESHOLD,
      maxHeaderListSize: MAX_HEADER_LIST_SIZE,
      settingsTimeoutMs: SETTINGS_TIMEOUT_MS,
      outbox: {
        onWriteError: (error) => {
          logger.debug("write failed: {error}", { error: String(error) });
          this.#close();
        },
        maxBytes: MAX_OUTBOX_BYTES,
        writeTimeoutMs: WRITE_TIMEOUT_MS,
        lingerMs: LINGER_MS,
        onCost: (delta) => delta > 0 ? budget.force(delta) : budget.release(-delta),
      },
      overloaded: (cost) => budget.exhausted && cost > OUTBOX_UNDER_PRESSURE,
    });
    this.#handshakeTimer = setTimeout(() => this.#close(), options.limits.handshakeTimeoutMs);
    // A connection may use the budget's reserve, so a new client gets in while others hold the rest.
    if (budget.take(CONNECTION_COST, true)) {
      this.#held = CONNECTION_COST;
    } else {
      logger.debug("memory budget spent: a new connection refused");
      this.#engine.goaway(ErrorCode.NO_ERROR, "");
      this.#close();
    }
    this.#run();
  }

  /** Resolves once the connection is closed and its socket released. */
  get done(): Promise<void> {
    return this.#done.promise;
  }

  /** Graceful close: GOAWAY naming the last stream handled; closes once those are answered. */
  shutdown(): void {
    this.#engine.goaway(ErrorCode.NO_ERROR, "the aggregator is shutting down");
    this.#closeIfDone();
  }

  /** Closes at once; requests in flight are aborted. */
  destroy(): void {
    this.#close();
    this.#engine.outbox.destroy();
  }

  async #run(): Promise<void> {
    const error = await this.#engine.run();
    if (error && !this.#engine.state.closed && !(error instanceof Deno.errors.BadResource)) {
      logger.debug("connection read failed: {error}", { error: String(error) });
    }
    this.#close();
    await this.#discardReads();
    await this.#ended;
    clearTimeout(this.#lingerTimer);
    this.#engine.outbox.destroy();
    this.#done.resolve();
  }

  /** What the client still sends after the close is read and dropped, within the linger limits. */
  async #discardReads(): Promise<void> {
    const buffer = new Uint8Array(READ_BUFFER_BYTES);
    try {
      for (let total = 0; total < LINGER_BYTES;) {
        const read = await this.#conn.read(buffer);
        if (read === null) return;
        total += read;
      }
    } catch {
      // The socket was closed at the linger deadline.
    }
  }

  /**
   * The open stream a frame is for; undefined when the frame is to be
   * ignored (a stream this server reset, or one long closed). A frame on
   * stream 0 or an idle stream, or a late one the stream's closing forbids,
   * is a connection error.
   */
  #streamFor(frame: Frame): ServerStream | undefined {
    const stream = this.#streams.get(frame.streamId);
    if (stream) return stream;
    const late = frame.streamId === 0
      ? "idle"
      : this.#closedStreams.classify(frame.type, frame.streamId, this.#engine.lastPeerStreamId);
    if (late === "idle") {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `frame type ${frame.type} on stream ${frame.streamId}, which is idle`,
      );
    }
    return undefined;
  }

  #onData(frame: Frame, content: Uint8Array): void {
    const endStream = !!(frame.flags & Flag.END_STREAM);
    const stream = this.#streamFor(frame);
    const length = frame.payload.length;
    if (!stream) return void this.#engine.receive.receive(length);
    if (!stream.state.remoteOpen) {
      this.#engine.receive.receive(length);
      return this.#reset(stream, ErrorCode.STREAM_CLOSED, true);
    }
    if (!this.#engine.receive.receive(length, stream)) {
      return this.#reset(stream, ErrorCode.FLOW_CONTROL_ERROR, true);
    }
    const padding = length - content.length;
    if (padding) this.#consumed(stream, padding);
    stream.received += content.length;
    const declared = stream.contentLength;
    if (
      declared !== undefined &&
      (stream.received > declared || (endStream && stream.received < declared))
    ) {
      this.#engine.receive.credit(content.length);
      return this.#reset(stream, ErrorCode.PROTOCOL_ERROR, true);
    }
    if (content.length) this.#receiveBody(stream, content);
    if (endStream && stream.state.remoteOpen) this.#endRemote(stream);
  }

  /** Body bytes for the handler, charged to the budget while the stream lives; dropped once it failed. */
  #receiveBody(stream: ServerStream, content: Uint8Array): void {
    if (!stream.body.open) return this.#consumed(stream, content.length);
    const reserved = this.#streams.size === 1 && stream.received <= RESERVED_BODY_BYTES;
    if (!this.#take(content.length, reserved)) {
      this.#engine.receive.credit(content.length);
      logger.debug("memory budget spent: a request body refused");
      this.#engine.backOff(this.#options.budgetBackOffMs);
      return this.#reset(stream, ErrorCode.REFUSED_STREAM, false);
    }
    if (stream.body.push(content)) {
      stream.charged += content.length;
      return;
    }
    this.#release(content.length);
    this.#consumed(stream, content.length);
  }

  #onHeadersFrame(frame: Frame): void {
    if (frame.streamId % 2 === 0) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `HEADERS on stream ${frame.streamId}`);
    }
  }

  #onHeaderBlock(block: HeaderBlock): void {
    if (block.streamId > this.#engine.lastPeerStreamId) return this.#open(block);
    const stream = this.#streams.get(block.streamId);
    if (!stream) {
      this.#closedStreams.classify(
        FrameType.HEADERS,
        block.streamId,
        this.#engine.lastPeerStreamId,
      );
      return this.#engine.count("ignoredHeaders");
    }
    if (!stream.state.remoteOpen) return this.#reset(stream, ErrorCode.STREAM_CLOSED, true);
    // Request trailers must end the stream; nothing in them is used.
    if (!block.endStream || (stream.contentLength ?? stream.received) !== stream.received) {
      return this.#reset(stream, ErrorCode.PROTOCOL_ERROR, true);
    }
    this.#endRemote(stream);
  }

  #open(block: HeaderBlock): void {
    const id = block.streamId;
    this.#engine.lastPeerStreamId = id;
    // After GOAWAY, new streams are ignored (RFC 9113 §6.8).
    if (!this.#engine.state.acceptsStreams) return this.#closedStreams.record(id, "local_reset");
    clearTimeout(this.#handshakeTimer);
    clearTimeout(this.#idleTimer);
    if (this.#streams.size >= this.#options.limits.maxConcurrentStreams) {
      return this.#refuse(id, ErrorCode.REFUSED_STREAM);
    }
    // The budget first: a stream that will be refused costs no request parsing.
    if (!this.#take(STREAM_COST, this.#streams.size === 0)) {
      logger.debug("memory budget spent: a new stream refused");
      this.#engine.backOff(this.#options.budgetBackOffMs);
      return this.#refuse(id, ErrorCode.REFUSED_STREAM);
    }
    let head: RequestHead;
    try {
      head = requestHead(block.fields, this.#options.authority);
    } catch (error) {
      this.#release(STREAM_COST);
      if (!(error instanceof StreamError)) throw error;
      return this.#refuse(id, error.code);
    }
    const state = new StreamStateMachine();
    state.receiveHeaders(false);
    const stream: ServerStream = {
      id,
      state,
      body: new RequestBody(this.#options.maxBodyBytes, (bytes) => this.#consumed(stream, bytes)),
      abort: new AbortController(),
      receiveWindow: this.#engine.streamReceiveWindow,
      unacknowledged: 0,
      sendWindow: this.#engine.flow.initialStreamWindow,
      contentLength: head.contentLength,
      received: 0,
      charged: STREAM_COST,
    };
    stream.timer = setTimeout(() => {
      stream.abort.abort(
        new ConnectError(
          `request not complete within ${this.#options.limits.requestTimeoutMs} ms`,
          Code.DeadlineExceeded,
        ),
      );
      this.#reset(stream, ErrorCode.CANCEL, false);
    }, this.#options.limits.requestTimeoutMs);
    this.#streams.set(id, stream);
    if (block.endStream) {
      if (head.contentLength) return this.#reset(stream, ErrorCode.PROTOCOL_ERROR, true);
      this.#endRemote(stream);
    }
    const request: UniversalServerRequest = {
      httpVersion: "2.0",
      method: head.method,
      url: head.url,
      header: head.header,
      body: stream.body,
      signal: stream.abort.signal,
      contextValues: this.#options.contextValues(),
    };
    this.#options.handle(request)
      .then((response) => this.#respond(stream, response))
      .catch((error) => {
        if (!stream.state.localOpen) return;
        logger.error("request {path} failed: {error}", { path: head.url, error: String(error) });
        this.#reset(stream, ErrorCode.INTERNAL_ERROR, false);
      });
  }

  /** A new stream turned away with RST_STREAM; the refusal counts against the reset budget. */
  #refuse(id: number, code: number): void {
    this.#engine.sendReset(id, code);
    this.#closedStreams.record(id, "local_reset");
    this.#armIdle();
    this.#spendReset();
  }

  async #respond(stream: ServerStream, response: UniversalServerResponse): Promise<void> {
    const chunks = response.body?.[Symbol.asyncIterator]();
    // Headers go after the first chunk: the handler may still set some until then.
    let chunk = await chunks?.next();
    if (!stream.state.localOpen) return;
    const trailer = response.trailer ? [...response.trailer] : [];
    const empty = !chunk || chunk.done;
    const fields: HeaderField[] = [[":status", String(response.status)]];
    for (const field of response.header ?? []) fields.push(field);
    if (!this.#fitsClient(stream, fields) || !this.#fitsClient(stream, trailer)) return;
    const flags = empty && trailer.length === 0 ? Flag.END_STREAM : 0;
    this.#engine.sendHeaders(stream.id, fields, flags);
    if (!flags) {
      while (chunk && !chunk.done) {
        await this.#engine.flow.sendData(
          stream,
          chunk.value,
          false,
          () => stream.state.localOpen,
          (frame) => this.#engine.send(frame),
        );
        if (!stream.state.localOpen) return;
        chunk = await chunks!.next();
        if (!stream.state.localOpen) return;
      }
      if (trailer.length) this.#engine.sendHeaders(stream.id, trailer, Flag.END_STREAM);
      else this.#engine.sendEnd(stream.id);
    }
    clearTimeout(stream.timer);
    stream.state.sendEnd();
    if (stream.state.state === "closed") return this.#closeStream(stream);
    // The client is still sending a body the response did not wait for: what
    // comes is dropped, and unless it ends soon the client is told to stop
    // (after a pause, as some clients drop a response reset with it).
    this.#engine.receive.credit(stream.body.fail(new ConnectError("answered", Code.Canceled)));
    stream.timer = setTimeout(
      () => this.#reset(stream, ErrorCode.NO_ERROR, false),
      ANSWERED_GRACE_MS,
    );
  }

  /** Whether the client accepts `fields` (its MAX_HEADER_LIST_SIZE); if not, the stream is reset. */
  #fitsClient(stream: ServerStream, fields: HeaderField[]): boolean {
    if (this.#engine.fitsPeerHeaderList(fields)) return true;
    logger.warn("a response's header fields exceed the client's MAX_HEADER_LIST_SIZE ({limit})", {
      limit: this.#engine.peerMaxHeaderListSize,
    });
    this.#reset(stream, ErrorCode.INTERNAL_ERROR, false);
    return false;
  }

  #endRemote(stream: ServerStream): void {
    stream.state.receiveEnd();
    stream.body.end();
    if (stream.state.state === "closed") this.#closeStream(stream);
  }

  /** Bytes of `stream` read (or dropped): reopen both windows when enough has gathered. */
  #consumed(stream: ServerStream, bytes: number): void {
    this.#engine.receive.consumed(stream, bytes, stream.state.remoteOpen);
  }

  #onReset(frame: Frame, code: number): void {
    const stream = this.#streamFor(frame);
    if (stream) {
      stream.state.receiveReset();
      stream.abort.abort(
        new ConnectError(`stream reset by the client: ${errorCodeName(code)}`, Code.Canceled),
      );
      this.#closeStream(stream);
    }
    // Every reset counts, NO_ERROR too: a stream opened and reset costs the same.
    this.#spendReset();
  }

  #onWindowUpdate(frame: Frame, increment: number): void {
    const stream = this.#streamFor(frame);
    if (!stream) return;
    const code = this.#engine.flow.growStream(stream, increment);
    if (code !== undefined) this.#reset(stream, code, true);
  }

  /**
   * A stream error: RST_STREAM with `code`, the handler aborted. When the
   * client's frames caused it, it counts against the reset budget.
   */
  #reset(stream: ServerStream, code: number, byClient: boolean): void {
    if (stream.state.state === "closed") return;
    this.#engine.sendReset(stream.id, code);
    stream.state.sendReset();
    stream.abort.abort(new ConnectError(`stream reset: ${errorCodeName(code)}`, Code.Canceled));
    this.#closeStream(stream);
    if (byClient) this.#spendReset();
  }

  #closeStream(stream: ServerStream): void {
    if (!this.#streams.delete(stream.id)) return;
    this.#closedStreams.record(stream.id, stream.state.closedBy ?? "local_reset");
    clearTimeout(stream.timer);
    this.#engine.receive.credit(stream.body.fail(new ConnectError("stream closed", Code.Canceled)));
    this.#release(stream.charged);
    this.#engine.flow.wake();
    this.#armIdle();
    this.#closeIfDone();
  }

  /** Takes `bytes` of the budget, within this connection's share; false when they do not fit. */
  #take(bytes: number, reserved: boolean): boolean {
    const budget = this.#options.budget;
    if (this.#held + bytes > budget.limit * CONNECTION_SHARE) return false;
    if (!budget.take(bytes, reserved)) return false;
    this.#held += bytes;
    return true;
  }

  #release(bytes: number): void {
    this.#held -= bytes;
    this.#options.budget.release(bytes);
  }

  #spendReset(): void {
    if (this.#resets.spend()) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many stream resets");
    }
  }

  /** With no stream open, GOAWAY after the idle timeout. */
  #armIdle(): void {
    if (this.#streams.size || this.#engine.state.closed) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.shutdown(), this.#options.limits.idleTimeoutMs);
  }

  /** After GOAWAY either way, the connection closes once its last stream is answered. */
  #closeIfDone(): void {
    if (this.#engine.state.state === "closing" && this.#streams.size === 0) this.#close();
  }

  /**
   * Ends the connection: streams in flight are aborted, what is queued is
   * written (within the linger time), then the sending side is closed; the
   * socket itself is released by #run once the linger is over.
   */
  #close(): void {
    if (this.#engine.state.closed) return;
    this.#engine.close();
    clearTimeout(this.#handshakeTimer);
    clearTimeout(this.#idleTimer);
    for (const stream of this.#streams.values()) {
      if (stream.state.state !== "closed") stream.state.sendReset();
      clearTimeout(stream.timer);
      stream.abort.abort(new ConnectError("the connection closed", Code.Canceled));
      stream.body.fail(new ConnectError("the connection closed", Code.Canceled));
    }
    this.#streams.clear();
    this.#options.budget.release(this.#held);
    this.#held = 0;
    this.#ended = this.#engine.outbox.end();
    this.#lingerTimer = setTimeout(() => this.#engine.outbox.destroy(), LINGER_MS);
  }
}
