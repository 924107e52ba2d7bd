/**
 * The client role on the HTTP/2 engine (../engine.ts): one connection on
 * `Deno.connect` (cleartext with prior knowledge, or a unix socket) or
 * `Deno.connectTls` (ALPN "h2", mutual TLS), carrying request/response
 * exchanges, each a stream with its RFC 9113 §5.1 state machine. The engine
 * runs the connection (SETTINGS with an acknowledgement deadline, PING,
 * GOAWAY, flow control, frame rates, the outbox); this role opens streams
 * within the server's MAX_CONCURRENT_STREAMS and MAX_HEADER_LIST_SIZE and
 * reads their answers. It is kept across calls until it fails or the server
 * sends GOAWAY; every failure rejects the exchanges in flight with a
 * `ConnectError` (connection loss and GOAWAY `unavailable`, a server
 * breaking the protocol `internal`), and whatever a hostile server could
 * inflate is bounded: the frames queued for it (each at its real cost), the
 * frames one header block may span and its size, the informational answers
 * before a response, the rate of control and empty frames, the time a write
 * may block and a response may take. A connection past a limit is closed and
 * says why in the log.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { log } from "../../log.ts";
import type { TlsMaterial } from "../../tls.ts";
import {
  ClosedStreams,
  ConnectionEngine,
  ConnectionError,
  ErrorCode,
  errorCodeName,
  Flag,
  type Frame,
  type Goaway,
  type HeaderBlock,
  type HeaderField,
  joinBytes,
  type ReceiveStream,
  Setting,
  StreamStateMachine,
} from "../mod.ts";
import { resetError } from "./reset_error.ts";
import { abortable } from "../../async/mod.ts";

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
  /** Milliseconds a write to the server may block before the connection is given up. */
  writeTimeoutMs: number;
  /** Milliseconds from a request to the end of its response, whatever the call's own deadline. */
  responseTimeoutMs: number;
  /** Milliseconds the server has to acknowledge the client's SETTINGS. */
  settingsTimeoutMs: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxHeaderListSize: 16 * 1024,
  maxHeaderBlockFrames: 16,
  maxInformational: 4,
  maxResponseBytes: 1024 * 1024,
  maxQueuedBytes: 1024 * 1024,
  writeTimeoutMs: 10_000,
  responseTimeoutMs: 120_000,
  settingsTimeoutMs: 10_000,
};

/** Reopen a response's stream window once this much of it was read. */
const STREAM_UPDATE_THRESHOLD = 16 * 1024;

const logger = log("http2", "client");

export interface Http2Response {
  status: number;
  headers: HeaderField[];
  body: Uint8Array;
  /** Empty when the response ended with its headers (gRPC "trailers-only"). */
  trailers: HeaderField[];
}

/** One request and its response, as a client stream. */
interface Exchange extends ReceiveStream {
  readonly state: StreamStateMachine;
  sendWindow: number;
  headers?: HeaderField[];
  status?: number;
  chunks: Uint8Array[];
  bytes: number;
  informational: number;
  result: PromiseWithResolvers<Http2Response>;
}

/** Stream ids are 31 bits: past the last one, a new connection is needed. */
const LAST_STREAM_ID = 2 ** 31 - 1;

export class Http2Connection {
  #where: string;
  #limits: ConnectionLimits;
  #engine: ConnectionEngine;
  #exchanges = new Map<number, Exchange>();
  #closedStreams = new ClosedStreams();
  #nextStreamId = 1;
  /** Requests given a stream slot whose exchange is not yet registered. */
  #reservedSlots = 0;
  /** What the server's GOAWAY said, once it came. */
  #goaway?: string;
  #closed?: ConnectError;

  private constructor(conn: Deno.Conn, where: string, limits: ConnectionLimits) {
    this.#where = where;
    this.#limits = limits;
    this.#engine = new ConnectionEngine(conn, {
      onData: (frame, data) => this.#onData(frame, data),
      onHeadersFrame: (frame) => void this.#exchangeFor(frame),
      onHeaderBlock: (block) => this.#onHeaderBlock(block),
      onReset: (frame, code) => this.#onReset(frame, code),
      onStreamWindowUpdate: (frame, increment) => this.#onWindowUpdate(frame, increment),
      onGoaway: (goaway) => this.#onGoaway(goaway),
      streams: () => this.#exchanges.values(),
      onConnectionError: (error) =>
        this.#giveUp(
          new ConnectError(
            `the server broke HTTP/2 (${errorCodeName(error.code)}): ${error.message}`,
            Code.Internal,
          ),
        ),
      onOutputRefused: () =>
        this.#giveUp(
          new ConnectError(
            `the server is not reading: more than ${limits.maxQueuedBytes} bytes wait for it`,
            Code.Unavailable,
          ),
        ),
    }, {
      server: false,
      settings: [
        [Setting.ENABLE_PUSH, 0],
        [Setting.MAX_HEADER_LIST_SIZE, limits.maxHeaderListSize],
      ],
      streamUpdateThreshold: STREAM_UPDATE_THRESHOLD,
      maxHeaderListSize: limits.maxHeaderListSize,
      maxHeaderBlockFrames: limits.maxHeaderBlockFrames,
      settingsTimeoutMs: limits.settingsTimeoutMs,
      outbox: {
        onWriteError: (error) => this.#giveUp(unavailable("writing to the server failed", error)),
        maxBytes: limits.maxQueuedBytes,
        writeTimeoutMs: limits.writeTimeoutMs,
      },
    });
    this.#run();
  }

  /** Connects, negotiates TLS when the target has it, and sends the preface. */
  static async open(
    target: ConnectionTarget,
    signal: AbortSignal,
    limits: ConnectionLimits = DEFAULT_LIMITS,
  ): Promise<Http2Connection> {
    const where = "socketPath" in target ? target.socketPath : `${target.host}:${target.port}`;
    const connecting: Promise<Deno.Conn | Deno.TlsConn> = connectTo(target);
    const conn = await abortable(connecting, signal, (late) => late.close()).catch((error) => {
      throw signal.aborted ? signal.reason : unavailable(`cannot connect to ${where}`, error);
    });
    try {
      if ("handshake" in conn) {
        const { alpnProtocol } = await abortable(conn.handshake(), signal);
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
    const state = this.#engine.state.state;
    return !this.#closed && (state === "handshake" || state === "open") &&
      this.#nextStreamId <= LAST_STREAM_ID;
  }

  /**
   * Sends one request (header fields including pseudo-headers, then `body`
   * ending the stream) and resolves with the whole response. The request
   * waits while the server's MAX_CONCURRENT_STREAMS are open. Aborting
   * `signal` resets the stream and rejects with the signal's reason.
   */
  async exchange(
    fields: readonly HeaderField[],
    body: Uint8Array,
    signal: AbortSignal,
  ): Promise<Http2Response> {
    if (!this.#engine.fitsPeerHeaderList(fields)) {
      throw new ConnectError(
        `the request's headers exceed the server's limit (${this.#engine.peerMaxHeaderListSize})`,
        Code.ResourceExhausted,
      );
    }
    await this.#streamSlot(signal);
    const exchange: Exchange = {
      id: this.#nextStreamId,
      state: new StreamStateMachine(),
      sendWindow: this.#engine.flow.initialStreamWindow,
      receiveWindow: this.#engine.streamReceiveWindow,
      unacknowledged: 0,
      chunks: [],
      bytes: 0,
      informational: 0,
      result: Promise.withResolvers(),
    };
    // Handled below; marked now so a failure while the body waits for a window is not unhandled.
    exchange.result.promise.catch(() => {});
    this.#nextStreamId += 2;
    this.#reservedSlots--;
    this.#exchanges.set(exchange.id, exchange);
    const abort = () => this.#cancel(exchange, signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    // One plain timer per exchange: a call's own deadline is its signal, this one only bounds it.
    const ms = this.#limits.responseTimeoutMs;
    const timer = setTimeout(
      () =>
        this.#cancel(
          exchange,
          new ConnectError(`no complete response within ${ms} ms`, Code.DeadlineExceeded),
        ),
      ms,
    );
    try {
      this.#send(exchange, fields, body);
    } catch (error) {
      this.#cancel(exchange, error);
    }
    try {
      return await exchange.result.promise;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", abort);
    }
  }

  /**
   * Sends the request of `exchange`. A body within the windows goes at once
   * in one DATA frame; a larger one may wait for a window the server never
   * opens, and the exchange's end stops that wait.
   */
  #send(exchange: Exchange, fields: readonly HeaderField[], body: Uint8Array): void {
    exchange.state.sendHeaders(body.length === 0);
    this.#engine.sendHeaders(exchange.id, fields, body.length === 0 ? Flag.END_STREAM : 0);
    if (!body.length) return;
    if (this.#engine.flow.sendAtOnce(exchange, body, (frame) => this.#engine.send(frame))) {
      exchange.state.sendEnd();
      return;
    }
    this.#sendBody(exchange, body).catch((error) => this.#cancel(exchange, error));
  }

  /** Ends the connection; exchanges in flight reject with `reason`. */
  close(reason: ConnectError): void {
    if (this.#closed) return;
    this.#closed = reason;
    for (const exchange of this.#exchanges.values()) exchange.result.reject(reason);
    this.#exchanges.clear();
    this.#engine.close();
    this.#engine.outbox.close();
  }

  /** Waits until one more stream is within the server's MAX_CONCURRENT_STREAMS, and reserves it. */
  async #streamSlot(signal: AbortSignal): Promise<void> {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      if (!this.usable) {
        throw this.#closed ?? new ConnectError("the connection is going away", Code.Unavailable);
      }
      if (this.#exchanges.size + this.#reservedSlots < this.#engine.peerMaxConcurrentStreams) {
        this.#reservedSlots++;
        return;
      }
      await abortable(this.#engine.flow.changed(), signal);
    }
  }

  async #sendBody(exchange: Exchange, body: Uint8Array): Promise<void> {
    const open = () => exchange.state.localOpen && this.#exchanges.has(exchange.id);
    await this.#engine.flow.sendData(
      exchange,
      body,
      true,
      open,
      (frame) => this.#engine.send(frame),
    );
    if (open()) exchange.state.sendEnd();
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

  async #run(): Promise<void> {
    const error = await this.#engine.run();
    this.close(
      error === undefined
        ? new ConnectError("the server closed the connection", Code.Unavailable)
        : unavailable("the connection to the server was lost", error),
    );
  }

  /**
   * The open exchange for a frame on a stream; undefined when the frame is to
   * be ignored (a stream this client reset, or one long closed). A stream
   * this client never opened, or a late frame its closing forbids, is a
   * connection error.
   */
  #exchangeFor(frame: Frame): Exchange | undefined {
    const id = frame.streamId;
    if (id === 0 || id >= this.#nextStreamId || id % 2 === 0) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `frame type ${frame.type} on stream ${id}, which this client never opened`,
      );
    }
    const exchange = this.#exchanges.get(id);
    if (!exchange) this.#closedStreams.classify(frame.type, id, this.#nextStreamId - 2);
    return exchange;
  }

  #onData(frame: Frame, data: Uint8Array): void {
    const endStream = !!(frame.flags & Flag.END_STREAM);
    const exchange = this.#exchangeFor(frame);
    const receive = this.#engine.receive;
    if (!exchange) return void receive.receive(frame.payload.length);
    if (!receive.receive(frame.payload.length, exchange)) {
      return this.#fail(exchange, ErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the stream window");
    }
    // The response is kept whole (within maxResponseBytes): its bytes count as read at once.
    receive.consumed(exchange, frame.payload.length, !endStream);
    if (exchange.status === undefined) {
      return this.#fail(exchange, ErrorCode.PROTOCOL_ERROR, "DATA before the response headers");
    }
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
    if (endStream) this.#finish(exchange, []);
  }

  #onHeaderBlock(block: HeaderBlock): void {
    const exchange = this.#exchanges.get(block.streamId);
    if (exchange) this.#onHeaders(exchange, block.fields, block.endStream);
    else this.#engine.count("ignoredHeaders");
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

  /** The response ended; a request body still being sent is cut short with CANCEL. */
  #finish(exchange: Exchange, trailers: HeaderField[]): void {
    exchange.state.receiveEnd();
    if (exchange.state.localOpen) this.#resetStream(exchange, ErrorCode.CANCEL);
    this.#closeStream(exchange);
    exchange.result.resolve({
      status: exchange.status!,
      headers: exchange.headers!,
      body: joinBytes(exchange.chunks),
      trailers,
    });
  }

  #cancel(exchange: Exchange, reason: unknown): void {
    if (!this.#exchanges.has(exchange.id)) return;
    this.#resetStream(exchange, ErrorCode.CANCEL);
    this.#closeStream(exchange);
    exchange.result.reject(reason);
  }

  /** A stream error (RFC 9113 §5.4.2): reset the stream, reject its exchange. */
  #fail(exchange: Exchange, errorCode: number, message: string, code = Code.Internal): void {
    this.#resetStream(exchange, errorCode);
    this.#closeStream(exchange);
    exchange.result.reject(new ConnectError(`malformed response: ${message}`, code));
  }

  #resetStream(exchange: Exchange, code: number): void {
    this.#engine.sendReset(exchange.id, code);
    exchange.state.sendReset();
  }

  /** The exchange's stream is closed: remembered for late frames, its slot freed. */
  #closeStream(exchange: Exchange): void {
    this.#exchanges.delete(exchange.id);
    this.#closedStreams.record(exchange.id, exchange.state.closedBy ?? "local_reset");
    this.#engine.flow.wake(); // A body waiting for a window stops; a request waiting for a slot goes.
    this.#closeIfDone();
  }

  #onReset(frame: Frame, code: number): void {
    const exchange = this.#exchangeFor(frame);
    if (!exchange) return;
    exchange.state.receiveReset();
    this.#closeStream(exchange);
    exchange.result.reject(resetError(code));
  }

  #onGoaway(goaway: Goaway): void {
    this.#goaway = `the server is going away (GOAWAY ${errorCodeName(goaway.code)}` +
      (goaway.debug ? `: ${goaway.debug})` : ")");
    for (const exchange of [...this.#exchanges.values()]) {
      if (exchange.id > goaway.lastStreamId) {
        this.#exchanges.delete(exchange.id);
        exchange.result.reject(
          new ConnectError(`${this.#goaway} before handling the call`, Code.Unavailable),
        );
      }
    }
    this.#closeIfDone();
  }

  #onWindowUpdate(frame: Frame, increment: number): void {
    const exchange = this.#exchangeFor(frame);
    if (!exchange) return;
    const code = this.#engine.flow.growStream(exchange, increment);
    if (code !== undefined) this.#fail(exchange, code, `stream WINDOW_UPDATE of ${increment}`);
  }

  /** After the server's GOAWAY, the connection closes once its last exchange ends. */
  #closeIfDone(): void {
    if (this.#goaway !== undefined && this.#exchanges.size === 0) {
      this.close(new ConnectError(this.#goaway, Code.Unavailable));
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
