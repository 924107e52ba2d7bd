/**
 * One HTTP/2 client connection (RFC 9113) on `Deno.connect` (cleartext, prior
 * knowledge) or `Deno.connectTls` (ALPN "h2", mutual TLS), carrying
 * request/response exchanges: the preface and SETTINGS, HEADERS with
 * CONTINUATION, DATA under both flow-control windows, PING answers, GOAWAY
 * and RST_STREAM. It is kept across calls until it fails or the server sends
 * GOAWAY; every failure rejects the exchanges in flight with a `ConnectError`
 * (connection loss and GOAWAY `unavailable`, a server breaking the protocol
 * `internal`), and whatever a hostile server could inflate is bounded: the
 * frames queued for it (each at its real cost), the frames one header block
 * may span and its size, the informational answers before a response, the
 * frames per second that carry no response, the time a write may block and a
 * response may take. A connection past a limit is closed and says why in the
 * log.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { log } from "../../shared/log.ts";
import type { TlsMaterial } from "../../shared/tls.ts";
import {
  CLIENT_PREFACE,
  ConnectionError,
  decodeUint32,
  DEFAULT_WINDOW_SIZE,
  dispatchFrame,
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
  HeaderBlockReader,
  HeaderEncoder,
  type HeaderField,
  joinBytes,
  MAX_WINDOW_SIZE,
  Outbox,
  readFrames,
  readGoaway,
  readSettings,
  SendFlow,
  Setting,
  SETTINGS_ACK,
  windowIncrement,
} from "../../shared/http2/mod.ts";
import { FrameBudget } from "./frame_budget.ts";
import { resetError } from "./reset_error.ts";

/** Where a connection goes: a TCP address (with TLS when given), or a unix socket. */
export type ConnectionTarget = NetworkTarget | SocketTarget;

export interface NetworkTarget {
  host: string;
  port: number;
  tls?: TlsMaterial;
  /** Accept a certificate that does not name `host` (a local probe of its own server). */
  anyHostname?: boolean;
}

/** A unix socket spoken in cleartext with prior knowledge (a node runtime's CRI socket). */
export interface SocketTarget {
  socketPath: string;
}

export interface ConnectionLimits {
  /** Bytes of one response header list (compressed block and decoded size alike). */
  maxHeaderListSize: number;
  /** Frames one header block may span: its HEADERS and CONTINUATION frames. */
  maxHeaderBlockFrames: number;
  /** Informational (1xx) header blocks one response may begin with. */
  maxInformational: number;
  /** Bytes of DATA one response may carry. */
  maxResponseBytes: number;
  /** Bytes waiting to be written to the server, each frame counted with its overhead. */
  maxQueuedBytes: number;
  /** Frames carrying no response the server may send per second (PING, SETTINGS, empty frames…). */
  maxIdleFramesPerSecond: number;
  /** Milliseconds a write to the server may block before the connection is given up. */
  writeTimeoutMs: number;
  /** Milliseconds from a request to the end of its response, whatever the call's own deadline. */
  responseTimeoutMs: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxHeaderListSize: 16 * 1024,
  maxHeaderBlockFrames: 16,
  maxInformational: 4,
  maxResponseBytes: 1024 * 1024,
  maxQueuedBytes: 1024 * 1024,
  maxIdleFramesPerSecond: 1_000,
  writeTimeoutMs: 10_000,
  responseTimeoutMs: 120_000,
};

/**
 * Bytes read at a time. The aggregator's answers are a few hundred bytes; a
 * read of tiny frames (empty CONTINUATION, PING) is cut into one object per
 * frame before the first is refused, so this bounds what a flood allocates
 * per read (about 1,800 empty frames rather than 7,300).
 */
const READ_BYTES = 16 * 1024;

const logger = log("collector", "http2");

export interface Http2Response {
  status: number;
  headers: HeaderField[];
  body: Uint8Array;
  /** Empty when the response ended with its headers (gRPC "trailers-only"). */
  trailers: HeaderField[];
}

interface Exchange {
  id: number;
  sendWindow: number;
  headers?: HeaderField[];
  status?: number;
  chunks: Uint8Array[];
  bytes: number;
  informational: number;
  result: PromiseWithResolvers<Http2Response>;
}

const LAST_STREAM_ID = MAX_WINDOW_SIZE;

export class Http2Connection {
  #conn: Deno.Conn;
  #where: string;
  #limits: ConnectionLimits;
  #encoder = new HeaderEncoder();
  #headerBlocks: HeaderBlockReader;
  #exchanges = new Map<number, Exchange>();
  #nextStreamId = 1;
  #flow = new SendFlow();
  #receiveWindow = DEFAULT_WINDOW_SIZE;
  #outbox: Outbox;
  #handlers: FrameHandlers;
  /** Frames of the header block being received; 0 between blocks. */
  #idleFrames: FrameBudget;
  #goaway = false;
  #closed?: ConnectError;

  private constructor(conn: Deno.Conn, where: string, limits: ConnectionLimits) {
    this.#conn = conn;
    this.#where = where;
    this.#limits = limits;
    this.#headerBlocks = new HeaderBlockReader(
      limits.maxHeaderListSize,
      limits.maxHeaderBlockFrames,
    );
    this.#idleFrames = new FrameBudget(limits.maxIdleFramesPerSecond, 1_000);
    this.#outbox = new Outbox(conn, {
      onWriteError: (error) => this.#giveUp(unavailable("writing to the server failed", error)),
      maxBytes: limits.maxQueuedBytes,
      writeTimeoutMs: limits.writeTimeoutMs,
    });
    this.#handlers = {
      headerBlocks: this.#headerBlocks,
      onData: (frame) => this.#onData(frame),
      onHeaderFragment: (frame) => this.#onHeaderFragment(frame),
      onReset: (frame) => this.#onReset(frame),
      onSettings: (frame) => this.#onSettings(frame),
      onGoaway: (frame) => this.#onGoaway(frame),
      onWindowUpdate: (frame) => this.#onWindowUpdate(frame),
      send: (bytes) => this.#send(bytes),
    };
    this.#send(CLIENT_PREFACE);
    this.#send(encodeSettings([
      [Setting.ENABLE_PUSH, 0],
      [Setting.MAX_HEADER_LIST_SIZE, limits.maxHeaderListSize],
    ]));
    this.#readLoop();
  }

  /** Connects, negotiates TLS when the target has it, and sends the preface. */
  static async open(
    target: ConnectionTarget,
    signal: AbortSignal,
    limits: ConnectionLimits = DEFAULT_LIMITS,
  ): Promise<Http2Connection> {
    const where = "socketPath" in target ? target.socketPath : `${target.host}:${target.port}`;
    const connecting: Promise<Deno.Conn | Deno.TlsConn> = connectTo(target);
    const conn = await untilAborted(connecting, signal, (late) => late.close()).catch((error) => {
      throw signal.aborted ? signal.reason : unavailable(`cannot connect to ${where}`, error);
    });
    try {
      if ("handshake" in conn) {
        const { alpnProtocol } = await untilAborted(conn.handshake(), signal);
        if (alpnProtocol !== "h2") {
          throw new ConnectError(
            `the server at ${where} did not agree to HTTP/2 over TLS (ALPN ${alpnProtocol})`,
            Code.Unavailable,
          );
        }
      }
    } catch (error) {
      conn.close();
      throw signal.aborted || error instanceof ConnectError
        ? (signal.reason ?? error)
        : unavailable(`TLS handshake with ${where} failed`, error);
    }
    return new Http2Connection(conn, where, limits);
  }

  /** False once closed, failed or told to go away: new calls need a new connection. */
  get usable(): boolean {
    return !this.#closed && !this.#goaway && this.#nextStreamId <= LAST_STREAM_ID;
  }

  /**
   * Sends one request (header fields including pseudo-headers, then `body`
   * ending the stream) and resolves with the whole response. Aborting
   * `signal` resets the stream and rejects with the signal's reason.
   */
  async exchange(
    fields: readonly HeaderField[],
    body: Uint8Array,
    signal: AbortSignal,
  ): Promise<Http2Response> {
    if (signal.aborted) throw signal.reason;
    if (!this.usable) {
      throw this.#closed ?? new ConnectError("the connection is going away", Code.Unavailable);
    }
    const exchange: Exchange = {
      id: this.#nextStreamId,
      sendWindow: this.#flow.initialStreamWindow,
      chunks: [],
      bytes: 0,
      informational: 0,
      result: Promise.withResolvers(),
    };
    // Handled below; marked now so a failure while the body waits for a window is not unhandled.
    exchange.result.promise.catch(() => {});
    this.#nextStreamId += 2;
    this.#exchanges.set(exchange.id, exchange);
    const abort = () => this.#cancel(exchange, signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    const timer = setTimeout(
      () =>
        this.#cancel(
          exchange,
          new ConnectError(
            `no complete response within ${this.#limits.responseTimeoutMs} ms`,
            Code.DeadlineExceeded,
          ),
        ),
      this.#limits.responseTimeoutMs,
    );
    try {
      const block = this.#encoder.encode(fields);
      if (body.length === 0) {
        this.#sendHeaders(exchange.id, block, Flag.END_STREAM);
      } else {
        this.#sendHeaders(exchange.id, block);
        // The body may wait for a window the server never opens: the exchange's end stops the wait.
        await Promise.race([
          this.#flow.sendData(
            exchange,
            body,
            true,
            () => this.#exchanges.has(exchange.id),
            (frame) => this.#send(frame),
          ),
          exchange.result.promise,
        ]);
      }
      return await exchange.result.promise;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", abort);
    }
  }

  /** Ends the connection; exchanges in flight reject with `reason`. */
  close(reason: ConnectError): void {
    if (this.#closed) return;
    this.#closed = reason;
    for (const exchange of this.#exchanges.values()) exchange.result.reject(reason);
    this.#exchanges.clear();
    this.#flow.wake();
    this.#outbox.close();
  }

  #sendHeaders(streamId: number, block: Uint8Array, flags = 0): void {
    for (const frame of encodeHeaderBlock(streamId, block, this.#flow.maxFrameSize, flags)) {
      this.#send(frame);
    }
  }

  /** Closes on the server's account, saying why in the log (no call may be there to say it). */
  #giveUp(reason: ConnectError): void {
    if (this.#closed) return;
    logger.warn("closing the HTTP/2 connection to {where}: {reason}", {
      where: this.#where,
      reason: reason.rawMessage,
    });
    this.close(reason);
  }

  #cancel(exchange: Exchange, reason: unknown): void {
    if (!this.#exchanges.delete(exchange.id)) return;
    this.#flow.wake(); // Its body, if waiting for a window, stops.
    this.#send(encodeRstStream(exchange.id, ErrorCode.CANCEL));
    exchange.result.reject(reason);
    this.#closeIfDone();
  }

  #send(bytes: Uint8Array): void {
    if (this.#closed || this.#outbox.push(bytes)) return;
    this.#giveUp(
      new ConnectError(
        `the server is not reading: more than ${this.#limits.maxQueuedBytes} bytes wait for it`,
        Code.Unavailable,
      ),
    );
  }

  async #readLoop(): Promise<void> {
    try {
      for await (const frames of readFrames(this.#conn, { readBytes: READ_BYTES })) {
        for (const frame of frames) {
          this.#countIdle(frame);
          dispatchFrame(frame, this.#handlers);
          if (this.#closed) return;
        }
      }
      this.close(new ConnectError("the server closed the connection", Code.Unavailable));
    } catch (error) {
      if (this.#closed) return;
      if (error instanceof ConnectionError) {
        this.#send(encodeGoaway(0, error.code, error.message));
        this.#giveUp(
          new ConnectError(
            `the server broke HTTP/2 (${errorCodeName(error.code)}): ${error.message}`,
            Code.Internal,
          ),
        );
      } else {
        this.close(unavailable("the connection to the server was lost", error));
      }
    }
  }

  /**
   * Spends the budget of frames that carry no response: PING, SETTINGS,
   * PRIORITY, WINDOW_UPDATE, RST_STREAM, GOAWAY, unknown types, and DATA,
   * HEADERS or CONTINUATION without payload. Past it: ENHANCE_YOUR_CALM.
   */
  #countIdle(frame: Frame): void {
    const carries = frame.payload.length > 0 &&
      (frame.type === FrameType.DATA || frame.type === FrameType.HEADERS ||
        frame.type === FrameType.CONTINUATION);
    if (carries || this.#idleFrames.spend()) return;
    throw new ConnectionError(
      ErrorCode.ENHANCE_YOUR_CALM,
      `more than ${this.#limits.maxIdleFramesPerSecond} frames a second carrying no response`,
    );
  }

  /** The open exchange for a frame on a stream; undefined for one already closed here. */
  #exchangeFor(frame: Frame): Exchange | undefined {
    if (frame.streamId === 0 || frame.streamId >= this.#nextStreamId || frame.streamId % 2 === 0) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `frame type ${frame.type} on stream ${frame.streamId}, which this client never opened`,
      );
    }
    return this.#exchanges.get(frame.streamId);
  }

  #onData(frame: Frame): void {
    const exchange = this.#exchangeFor(frame);
    const length = frame.payload.length;
    this.#receiveWindow -= length;
    if (this.#receiveWindow < 0) {
      throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the connection window");
    }
    if (length > 0) {
      this.#receiveWindow += length;
      this.#send(encodeWindowUpdate(0, length));
    }
    if (!exchange) return;
    if (exchange.status === undefined) {
      return this.#fail(exchange, ErrorCode.PROTOCOL_ERROR, "DATA before the response headers");
    }
    const data = framePayloadContent(frame);
    exchange.bytes += data.length;
    if (exchange.bytes > this.#limits.maxResponseBytes) {
      return this.#fail(
        exchange,
        ErrorCode.CANCEL,
        `the response exceeds ${this.#limits.maxResponseBytes} bytes`,
        Code.ResourceExhausted,
      );
    }
    if (data.length) exchange.chunks.push(data);
    if (frame.flags & Flag.END_STREAM) return this.#finish(exchange, []);
    if (length > 0) this.#send(encodeWindowUpdate(exchange.id, length));
  }

  #onHeaderFragment(frame: Frame): void {
    if (frame.type === FrameType.HEADERS) this.#exchangeFor(frame);
    // Decoded even for a stream closed here, to keep the HPACK table in step.
    const block = this.#headerBlocks.push(frame);
    if (!block) return;
    const exchange = this.#exchanges.get(block.streamId);
    if (exchange) this.#onHeaders(exchange, block.fields, block.endStream);
    else if (!this.#idleFrames.spend()) {
      throw new ConnectionError(
        ErrorCode.ENHANCE_YOUR_CALM,
        "too many header blocks on streams already closed",
      );
    }
  }

  #onHeaders(exchange: Exchange, fields: HeaderField[], endStream: boolean): void {
    if (exchange.status !== undefined) {
      if (!endStream) {
        return this.#fail(exchange, ErrorCode.PROTOCOL_ERROR, "trailers without END_STREAM");
      }
      return this.#finish(exchange, fields);
    }
    const statusText = fields.find(([name]) => name === ":status")?.[1];
    const status = Number(statusText);
    if (!statusText || !/^\d{3}$/.test(statusText)) {
      return this.#fail(exchange, ErrorCode.PROTOCOL_ERROR, "response headers without :status");
    }
    if (status < 200) {
      if (endStream) return this.#fail(exchange, ErrorCode.PROTOCOL_ERROR, "END_STREAM on 1xx");
      if (++exchange.informational > this.#limits.maxInformational) {
        return this.#fail(
          exchange,
          ErrorCode.ENHANCE_YOUR_CALM,
          `more than ${this.#limits.maxInformational} informational responses`,
        );
      }
      return; // Informational: the real response follows.
    }
    exchange.status = status;
    exchange.headers = fields;
    if (endStream) this.#finish(exchange, []);
  }

  #finish(exchange: Exchange, trailers: HeaderField[]): void {
    this.#exchanges.delete(exchange.id);
    exchange.result.resolve({
      status: exchange.status!,
      headers: exchange.headers!,
      body: joinBytes(exchange.chunks),
      trailers,
    });
    this.#closeIfDone();
  }

  /** A stream error (RFC 9113 §5.4.2): reset the stream, reject its exchange. */
  #fail(exchange: Exchange, errorCode: number, message: string, code = Code.Internal): void {
    this.#exchanges.delete(exchange.id);
    this.#send(encodeRstStream(exchange.id, errorCode));
    exchange.result.reject(new ConnectError(`malformed response: ${message}`, code));
    this.#closeIfDone();
  }

  #onReset(frame: Frame): void {
    const exchange = this.#exchangeFor(frame);
    const errorCode = decodeUint32(frame, "RST_STREAM");
    if (!exchange) return;
    this.#exchanges.delete(exchange.id);
    exchange.result.reject(resetError(errorCode));
    this.#closeIfDone();
  }

  #onSettings(frame: Frame): void {
    const settings = readSettings(frame);
    if (!settings) return;
    this.#flow.applySettings(settings, this.#exchanges.values());
    this.#send(SETTINGS_ACK);
  }

  #onGoaway(frame: Frame): void {
    const goaway = readGoaway(frame);
    this.#goaway = true;
    const why = `the server is going away (GOAWAY ${errorCodeName(goaway.code)}` +
      (goaway.debug ? `: ${goaway.debug})` : ")");
    for (const exchange of [...this.#exchanges.values()]) {
      if (exchange.id > goaway.lastStreamId) {
        this.#exchanges.delete(exchange.id);
        exchange.result.reject(
          new ConnectError(`${why} before handling the call`, Code.Unavailable),
        );
      }
    }
    this.#closeIfDone(why);
  }

  #onWindowUpdate(frame: Frame): void {
    const increment = windowIncrement(frame);
    if (frame.streamId === 0) return this.#flow.growConnection(increment);
    const exchange = this.#exchangeFor(frame);
    if (!exchange) return;
    const code = this.#flow.growStream(exchange, increment);
    if (code !== undefined) this.#fail(exchange, code, `stream WINDOW_UPDATE of ${increment}`);
  }

  /** After GOAWAY, the connection closes once its last exchange ends. */
  #closeIfDone(why = "the server is going away"): void {
    if (this.#goaway && this.#exchanges.size === 0) {
      this.close(new ConnectError(why, Code.Unavailable));
    }
  }
}

/** TCP, TLS over TCP, or a unix socket, as the target says. */
function connectTo(target: ConnectionTarget): Promise<Deno.Conn | Deno.TlsConn> {
  if ("socketPath" in target) return Deno.connect({ transport: "unix", path: target.socketPath });
  if (!target.tls) return Deno.connect({ hostname: target.host, port: target.port });
  return Deno.connectTls({
    hostname: target.host,
    port: target.port,
    caCerts: [target.tls.caCertificate],
    cert: target.tls.certificate,
    key: target.tls.key,
    alpnProtocols: ["h2"],
    unsafelyDisableHostnameVerification: target.anyHostname,
  });
}

function unavailable(what: string, error: unknown): ConnectError {
  const detail = error instanceof Error ? error.message : String(error);
  return new ConnectError(`${what}: ${detail}`, Code.Unavailable);
}

/** `promise`, or the signal's reason once aborted; a result arriving late goes to `late`. */
function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  late?: (value: T) => void,
): Promise<T> {
  if (signal.aborted) {
    promise.then(late, () => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      promise.then(late, () => {});
      reject(signal.reason);
    };
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}
