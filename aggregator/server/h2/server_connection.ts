/**
 * One cleartext HTTP/2 connection (prior knowledge) on the aggregator's own
 * server, RFC 9113 from the server side: preface and SETTINGS, HEADERS with
 * CONTINUATION, request DATA under flow control (windows reopened as the
 * handler reads), PING, RST_STREAM, GOAWAY both ways, and responses as
 * HEADERS, DATA and trailers. Each request goes to `handle` as a connect
 * universal request. Every breach by the client ends in GOAWAY with its error
 * code (or a RST_STREAM when it concerns one stream); nothing thrown here
 * escapes the connection. The limits (concurrent streams, reset budget,
 * handshake, idle and request timeouts) are enforced here, see limits in
 * `ListenerLimits`.
 *
 * @module
 */
import { Code, ConnectError, type ContextValues } from "@connectrpc/connect";
import type { UniversalServerRequest, UniversalServerResponse } from "@connectrpc/connect/protocol";
import type { ListenerLimits } from "../../../shared/config/mod.ts";
import {
  ConnectionError,
  decodeUint32,
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW_SIZE,
  dispatchFrame,
  encodeFrame,
  encodeGoaway,
  encodeHeaderBlock,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
  ErrorCode,
  errorCodeName,
  Flag,
  type Frame,
  type FrameHandlers,
  framePayloadContent,
  FrameType,
  type HeaderBlock,
  HeaderBlockReader,
  HeaderEncoder,
  type HeaderField,
  Outbox,
  readFrames,
  readGoaway,
  readSettings,
  SendFlow,
  Setting,
  SETTINGS_ACK,
  StreamError,
  windowIncrement,
} from "../../../shared/http2/mod.ts";
import { log } from "../../../shared/log.ts";
import { RequestBody } from "./request_body.ts";
import { requestHead } from "./request_head.ts";
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
/** Bytes queued for a client that does not read; past this the connection is cut. */
const MAX_OUTBOX_BYTES = 4 * 1024 * 1024;

export type Handle = (request: UniversalServerRequest) => Promise<UniversalServerResponse>;

export interface ServerConnectionOptions {
  limits: ListenerLimits;
  /** The most request body bytes (DATA content) one stream may carry. */
  maxBodyBytes: number;
  handle: Handle;
  contextValues: () => ContextValues;
  /** `host:port` for a request without `:authority`. */
  authority: string;
}

export class ServerConnection {
  #conn: Deno.Conn;
  #options: ServerConnectionOptions;
  #headerBlocks = new HeaderBlockReader(MAX_HEADER_LIST_SIZE);
  #encoder = new HeaderEncoder();
  #streams = new Map<number, ServerStream>();
  #resets: ResetBudget;
  /** The highest stream id the client opened. */
  #lastStreamId = 0;
  #settingsSeen = false;
  /** Set once this server sent GOAWAY: the last stream it handles. */
  #goawayLastId?: number;
  #peerGoaway = false;
  #flow = new SendFlow();
  #receiveWindow = CONNECTION_WINDOW;
  #unacknowledged = 0;
  #outbox: Outbox;
  #handlers: FrameHandlers = {
    headerBlocks: this.#headerBlocks,
    onData: (frame) => this.#onData(frame),
    onHeaderFragment: (frame) => this.#onHeaderFragment(frame),
    onReset: (frame) => this.#onReset(frame),
    onSettings: (frame) => this.#onSettings(frame),
    onGoaway: (frame) => this.#onGoaway(frame),
    onWindowUpdate: (frame) => this.#onWindowUpdate(frame),
    send: (bytes) => this.#send(bytes),
  };
  #handshakeTimer?: ReturnType<typeof setTimeout>;
  #idleTimer?: ReturnType<typeof setTimeout>;
  #closed = false;
  #done = Promise.withResolvers<void>();

  constructor(conn: Deno.Conn, options: ServerConnectionOptions) {
    this.#conn = conn;
    this.#options = options;
    this.#outbox = new Outbox(conn, {
      onWriteError: () => this.#close(),
      maxBytes: MAX_OUTBOX_BYTES,
    });
    this.#resets = new ResetBudget(options.limits.maxStreamResets);
    this.#handshakeTimer = setTimeout(() => this.#close(), options.limits.handshakeTimeoutMs);
    this.#send(encodeSettings([
      [Setting.MAX_CONCURRENT_STREAMS, options.limits.maxConcurrentStreams],
      [Setting.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
      [Setting.MAX_FRAME_SIZE, DEFAULT_MAX_FRAME_SIZE],
      [Setting.MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST_SIZE],
      [Setting.ENABLE_PUSH, 0],
    ]));
    this.#send(encodeWindowUpdate(0, CONNECTION_WINDOW - DEFAULT_WINDOW_SIZE));
    this.#run();
  }

  /** Resolves once the connection is closed and its socket released. */
  get done(): Promise<void> {
    return this.#done.promise;
  }

  /** Graceful close: GOAWAY naming the last stream handled; closes once those are answered. */
  shutdown(): void {
    this.#goaway(ErrorCode.NO_ERROR, "the aggregator is shutting down");
    this.#closeIfDone();
  }

  /** Closes at once; requests in flight are aborted. */
  destroy(): void {
    this.#close();
  }

  async #run(): Promise<void> {
    try {
      for await (const frames of readFrames(this.#conn, { clientPreface: true })) {
        if (this.#closed) break;
        for (const frame of frames) {
          this.#onFrame(frame);
          if (this.#closed) return;
        }
      }
    } catch (error) {
      if (error instanceof ConnectionError) {
        this.#goaway(error.code, error.message);
      } else if (!this.#closed && !(error instanceof Deno.errors.BadResource)) {
        logger.debug("connection read failed: {error}", { error: String(error) });
      }
    }
    this.#close();
  }

  #onFrame(frame: Frame): void {
    if (!this.#settingsSeen && frame.type !== FrameType.SETTINGS) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        "the preface is not followed by SETTINGS",
      );
    }
    dispatchFrame(frame, this.#handlers);
  }

  /** The open stream a frame is for; undefined for one closed; an idle stream is an error. */
  #streamFor(frame: Frame): ServerStream | undefined {
    if (frame.streamId === 0 || frame.streamId > this.#lastStreamId) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `frame type ${frame.type} on stream ${frame.streamId}, which is not open`,
      );
    }
    return this.#streams.get(frame.streamId);
  }

  #onData(frame: Frame): void {
    const stream = this.#streamFor(frame);
    const length = frame.payload.length;
    this.#receiveWindow -= length;
    if (this.#receiveWindow < 0) {
      throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the connection window");
    }
    if (!stream) return this.#credit(length);
    if (stream.remoteEnded) {
      this.#credit(length);
      return this.#reset(stream, ErrorCode.STREAM_CLOSED);
    }
    stream.receiveWindow -= length;
    if (stream.receiveWindow < 0) {
      this.#credit(length);
      return this.#reset(stream, ErrorCode.FLOW_CONTROL_ERROR);
    }
    const content = framePayloadContent(frame);
    const padding = length - content.length;
    if (padding) this.#consumed(stream, padding);
    if (content.length && !stream.body.push(content)) this.#consumed(stream, content.length);
    if (frame.flags & Flag.END_STREAM) this.#endRemote(stream);
  }

  #onHeaderFragment(frame: Frame): void {
    if (
      frame.type === FrameType.HEADERS && (frame.streamId === 0 || frame.streamId % 2 === 0)
    ) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `HEADERS on stream ${frame.streamId}`);
    }
    // Decoded whatever the stream's state, to keep the HPACK table in step.
    const block = this.#headerBlocks.push(frame);
    if (block) this.#onHeaderBlock(block);
  }

  #onHeaderBlock(block: HeaderBlock): void {
    if (block.streamId > this.#lastStreamId) {
      this.#lastStreamId = block.streamId;
      this.#open(block.streamId, block.fields, block.endStream);
      return;
    }
    const stream = this.#streams.get(block.streamId);
    if (!stream) return;
    if (!block.endStream) return this.#reset(stream, ErrorCode.PROTOCOL_ERROR);
    this.#endRemote(stream); // Request trailers: nothing in them is used.
  }

  #open(id: number, fields: HeaderField[], endStream: boolean): void {
    // After GOAWAY, streams above its last id are ignored (RFC 9113 §6.8).
    if (this.#goawayLastId !== undefined) return;
    clearTimeout(this.#handshakeTimer);
    clearTimeout(this.#idleTimer);
    if (this.#streams.size >= this.#options.limits.maxConcurrentStreams) {
      this.#send(encodeRstStream(id, ErrorCode.REFUSED_STREAM));
      this.#spendReset();
      this.#armIdle();
      return;
    }
    let head;
    try {
      head = requestHead(fields, this.#options.authority);
    } catch (error) {
      if (!(error instanceof StreamError)) throw error;
      this.#send(encodeRstStream(id, error.code));
      this.#spendReset();
      this.#armIdle();
      return;
    }
    const stream: ServerStream = {
      id,
      body: new RequestBody(this.#options.maxBodyBytes, (bytes) => this.#consumed(stream, bytes)),
      abort: new AbortController(),
      receiveWindow: STREAM_WINDOW,
      unacknowledged: 0,
      sendWindow: this.#flow.initialStreamWindow,
      remoteEnded: false,
      answered: false,
      closed: false,
    };
    stream.timer = setTimeout(() => {
      stream.abort.abort(
        new ConnectError(
          `request not complete within ${this.#options.limits.requestTimeoutMs} ms`,
          Code.DeadlineExceeded,
        ),
      );
      this.#reset(stream, ErrorCode.CANCEL);
    }, this.#options.limits.requestTimeoutMs);
    this.#streams.set(id, stream);
    if (endStream) this.#endRemote(stream);
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
        if (stream.closed) return;
        logger.error("request {path} failed: {error}", { path: head.url, error: String(error) });
        this.#reset(stream, ErrorCode.INTERNAL_ERROR);
      });
  }

  async #respond(stream: ServerStream, response: UniversalServerResponse): Promise<void> {
    const chunks = response.body?.[Symbol.asyncIterator]();
    // Headers go after the first chunk: the handler may still set some until then.
    let chunk = await chunks?.next();
    if (stream.closed) return;
    const trailer = response.trailer ? [...response.trailer] : [];
    const empty = !chunk || chunk.done;
    const fields: HeaderField[] = [[":status", String(response.status)]];
    for (const field of response.header ?? []) fields.push(field);
    const flags = empty && trailer.length === 0 ? Flag.END_STREAM : 0;
    this.#sendHeaders(stream.id, fields, flags);
    if (!flags) {
      while (chunk && !chunk.done) {
        await this.#flow.sendData(
          stream,
          chunk.value,
          false,
          () => !stream.closed,
          (frame) => this.#send(frame),
        );
        if (stream.closed) return;
        chunk = await chunks!.next();
        if (stream.closed) return;
      }
      if (trailer.length) this.#sendHeaders(stream.id, trailer, Flag.END_STREAM);
      else this.#send(encodeFrame(FrameType.DATA, Flag.END_STREAM, stream.id));
    }
    stream.answered = true;
    clearTimeout(stream.timer);
    if (stream.remoteEnded) return this.#closeStream(stream);
    // The client is still sending a body the response did not wait for: what
    // comes is dropped, and unless it ends soon the client is told to stop
    // (after a pause, as some clients drop a response reset with it).
    this.#credit(stream.body.fail(new ConnectError("answered", Code.Canceled)));
    stream.timer = setTimeout(() => this.#reset(stream, ErrorCode.NO_ERROR), ANSWERED_GRACE_MS);
  }

  #sendHeaders(streamId: number, fields: HeaderField[], flags: number): void {
    const block = this.#encoder.encode(fields);
    for (const frame of encodeHeaderBlock(streamId, block, this.#flow.maxFrameSize, flags)) {
      this.#send(frame);
    }
  }

  #endRemote(stream: ServerStream): void {
    stream.remoteEnded = true;
    stream.body.end();
    if (stream.answered) this.#closeStream(stream);
  }

  /** Bytes of `stream` read (or dropped): reopen both windows when enough has gathered. */
  #consumed(stream: ServerStream, bytes: number): void {
    this.#credit(bytes);
    if (stream.closed || stream.remoteEnded) return;
    stream.unacknowledged += bytes;
    if (stream.unacknowledged >= STREAM_UPDATE_THRESHOLD) {
      this.#send(encodeWindowUpdate(stream.id, stream.unacknowledged));
      stream.receiveWindow += stream.unacknowledged;
      stream.unacknowledged = 0;
    }
  }

  /** Connection-window bytes no longer held: returned in batches of half the window. */
  #credit(bytes: number): void {
    this.#unacknowledged += bytes;
    if (this.#unacknowledged >= CONNECTION_WINDOW / 2) {
      this.#send(encodeWindowUpdate(0, this.#unacknowledged));
      this.#receiveWindow += this.#unacknowledged;
      this.#unacknowledged = 0;
    }
  }

  #onReset(frame: Frame): void {
    const stream = this.#streamFor(frame);
    const code = decodeUint32(frame, "RST_STREAM");
    if (code !== ErrorCode.NO_ERROR) this.#spendReset();
    if (!stream) return;
    stream.abort.abort(
      new ConnectError(`stream reset by the client: ${errorCodeName(code)}`, Code.Canceled),
    );
    this.#closeStream(stream);
  }

  #onSettings(frame: Frame): void {
    const settings = readSettings(frame);
    this.#settingsSeen = true;
    if (!settings) return;
    this.#flow.applySettings(settings, this.#streams.values());
    this.#send(SETTINGS_ACK);
  }

  #onGoaway(frame: Frame): void {
    readGoaway(frame);
    this.#peerGoaway = true;
    this.#closeIfDone();
  }

  #onWindowUpdate(frame: Frame): void {
    const increment = windowIncrement(frame);
    if (frame.streamId === 0) return this.#flow.growConnection(increment);
    const stream = this.#streamFor(frame);
    if (!stream) return;
    const code = this.#flow.growStream(stream, increment);
    if (code !== undefined) this.#reset(stream, code);
  }

  /** A stream error: RST_STREAM with `code`, the handler aborted. */
  #reset(stream: ServerStream, code: number): void {
    if (stream.closed) return;
    this.#send(encodeRstStream(stream.id, code));
    stream.abort.abort(new ConnectError(`stream reset: ${errorCodeName(code)}`, Code.Canceled));
    this.#closeStream(stream);
  }

  #closeStream(stream: ServerStream): void {
    if (stream.closed) return;
    stream.closed = true;
    clearTimeout(stream.timer);
    this.#streams.delete(stream.id);
    const dropped = stream.body.fail(new ConnectError("stream closed", Code.Canceled));
    this.#credit(dropped);
    this.#flow.wake();
    this.#armIdle();
    this.#closeIfDone();
  }

  #spendReset(): void {
    if (this.#resets.spend()) {
      this.#goaway(ErrorCode.ENHANCE_YOUR_CALM, "too many stream resets");
      this.#close();
    }
  }

  /** With no stream open, GOAWAY after the idle timeout. */
  #armIdle(): void {
    if (this.#streams.size || this.#closed) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.shutdown(), this.#options.limits.idleTimeoutMs);
  }

  #goaway(code: number, message: string): void {
    if (this.#goawayLastId !== undefined && code === ErrorCode.NO_ERROR) return;
    this.#goawayLastId = this.#lastStreamId;
    const debug = code === ErrorCode.NO_ERROR ? "" : message;
    if (code !== ErrorCode.NO_ERROR) {
      logger.debug("GOAWAY {code}: {message}", { code: errorCodeName(code), message });
    }
    this.#send(encodeGoaway(this.#lastStreamId, code, debug));
  }

  /** After GOAWAY either way, the connection closes once its last stream is answered. */
  #closeIfDone(): void {
    if ((this.#goawayLastId !== undefined || this.#peerGoaway) && this.#streams.size === 0) {
      this.#close();
    }
  }

  #send(bytes: Uint8Array): void {
    if (this.#closed || this.#outbox.push(bytes)) return;
    logger.debug("a client that does not read: connection closed");
    this.#close();
  }

  /** Ends the connection: what is queued is written first, streams in flight are aborted. */
  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#handshakeTimer);
    clearTimeout(this.#idleTimer);
    for (const stream of this.#streams.values()) {
      stream.closed = true;
      clearTimeout(stream.timer);
      stream.abort.abort(new ConnectError("the connection closed", Code.Canceled));
      stream.body.fail(new ConnectError("the connection closed", Code.Canceled));
    }
    this.#streams.clear();
    this.#flow.wake();
    this.#outbox.close().finally(() => this.#done.resolve());
  }
}
