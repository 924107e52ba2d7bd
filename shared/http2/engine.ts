/**
 * The role-agnostic core of one HTTP/2 connection (RFC 9113), on which the
 * aggregator's server and the collector's client are thin roles. It owns
 * what does not depend on who opened the connection: the read loop (a
 * bounded amount of work per turn of the event loop, so one flooding peer
 * cannot starve the others), the connection state machine, the frame-rate
 * limits, frames routed by type, SETTINGS sent with an acknowledgement
 * deadline and the peer's applied (its frame size, initial window, stream
 * concurrency and header-list size), PING answered, GOAWAY sent once and
 * received, inbound and outbound flow control, the header-block reader, the
 * HPACK encoder, and the outbox with its caps.
 *
 * A role says what a stream frame means for its streams (`EngineRole`):
 * a server's streams are opened by the peer, a client's by itself.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { delay } from "../async/mod.ts";
import { checkHeadersPriority, dispatchFrame, type FrameHandlers } from "./dispatch.ts";
import { type FrameKind, FrameRates, type Rate } from "./frame_rates.ts";
import { type Readable, readFrames } from "./frame_reader.ts";
import {
  CLIENT_PREFACE,
  ConnectionError,
  decodeUint32,
  DEFAULT_WINDOW_SIZE,
  encodeFrame,
  encodeGoaway,
  encodeHeaderBlock,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
  ErrorCode,
  Flag,
  type Frame,
  FRAME_HEADER_BYTES,
  framePayloadContent,
  FrameType,
  type Goaway,
} from "./frames.ts";
import { type HeaderBlock, HeaderBlockReader } from "./header_block.ts";
import { HeaderEncoder, type HeaderField } from "./hpack.ts";
import { Outbox, type OutboxOptions, type Writable } from "./outbox.ts";
import { ReceiveFlow } from "./receive_flow.ts";
import { ConnectionStateMachine } from "./connection_state.ts";
import { type FlowStream, SendFlow } from "./send_flow.ts";
import {
  headerListSize,
  readGoaway,
  readSettings,
  SETTINGS_ACK,
  windowIncrement,
} from "./settings.ts";

/** The socket a connection runs on: a `Deno.Conn`, or any duplex shaped like one. */
export type Duplex = Readable & Writable;

/** Bytes read from the socket at once (the read buffer each connection keeps). */
export const READ_BUFFER_BYTES = 16 * 1024;
/** Frames one connection handles before the event loop is let to others. */
const FRAMES_PER_TURN = 256;
/**
 * ...or this many bytes of them. A read whose data is already there may
 * complete without the event loop turning, so a connection with a backlog
 * would otherwise be served all of it before any other.
 */
const BYTES_PER_TURN = READ_BUFFER_BYTES;

/** The rate-limited kind of each frame type (empty DATA is counted once its padding is removed). */
const FRAME_KINDS = new Map<number, FrameKind>([
  [FrameType.HEADERS, "headers"],
  [FrameType.PRIORITY, "priority"],
  [FrameType.RST_STREAM, "reset"],
  [FrameType.SETTINGS, "settings"],
  [FrameType.PING, "ping"],
  [FrameType.WINDOW_UPDATE, "windowUpdate"],
  [FrameType.CONTINUATION, "continuation"],
]);

/** What a role does with the frames that concern its streams, and with the connection's end. */
export interface EngineRole {
  /** DATA and its content (padding removed); flow control not yet applied. */
  onData(frame: Frame, content: Uint8Array): void;
  /** A HEADERS frame (not on stream 0, priority checked), before its fragment joins a block. */
  onHeadersFrame(frame: Frame): void;
  /** A complete header block, decoded. */
  onHeaderBlock(block: HeaderBlock): void;
  onReset(frame: Frame, code: number): void;
  /** A WINDOW_UPDATE on a stream (the connection's is applied here). */
  onStreamWindowUpdate(frame: Frame, increment: number): void;
  /** The peer's GOAWAY; the connection is already closing. */
  onGoaway(goaway: Goaway): void;
  /** The streams whose send windows move with the peer's INITIAL_WINDOW_SIZE. */
  streams(): Iterable<FlowStream>;
  /** The peer broke the protocol or a limit; the GOAWAY saying so is queued. */
  onConnectionError(error: ConnectionError): void;
  /** Output could not be queued: the peer does not read. */
  onOutputRefused(): void;
}

export interface EngineOptions {
  /** A server reads the client preface; a client sends it. */
  server: boolean;
  /** The settings this end announces (beyond the defaults). */
  settings: ReadonlyArray<[number, number]>;
  /** The connection window this end keeps open for the peer's DATA (the default: 65,535). */
  connectionWindow?: number;
  /** The window each stream starts with for the peer's DATA, as announced in `settings`. */
  streamWindow?: number;
  /** Reopen a stream window once this much of it was read. */
  streamUpdateThreshold: number;
  /** This end's MAX_HEADER_LIST_SIZE: the most of a header block kept or decoded. */
  maxHeaderListSize: number;
  /** Frames one received header block may span. */
  maxHeaderBlockFrames?: number;
  /** How long the peer has to acknowledge this end's SETTINGS (RFC 9113 §6.5.3). */
  settingsTimeoutMs: number;
  outbox: OutboxOptions;
  /** True when output already queued is too much to keep (beyond the outbox's own cap). */
  overloaded?: (queuedCost: number) => boolean;
  rates?: Partial<Record<FrameKind, Rate>>;
}

export class ConnectionEngine {
  readonly state = new ConnectionStateMachine();
  readonly flow = new SendFlow();
  readonly receive: ReceiveFlow;
  readonly outbox: Outbox;
  /** The highest stream id the peer opened (named in this end's GOAWAY). */
  lastPeerStreamId = 0;
  /** The peer's SETTINGS_MAX_CONCURRENT_STREAMS: streams this end may open at once. */
  peerMaxConcurrentStreams = Infinity;
  /** The peer's SETTINGS_MAX_HEADER_LIST_SIZE: the largest header list it accepts. */
  peerMaxHeaderListSize = Infinity;
  /** Set once this end sent GOAWAY. */
  goawaySent = false;
  /** The window a new stream opens for the peer's DATA. */
  readonly streamReceiveWindow: number;
  #conn: Duplex;
  #role: EngineRole;
  #options: EngineOptions;
  #rates: FrameRates;
  /** `performance.now()` before which nothing more is read from the peer. */
  #readsResumeAt = 0;
  #headerBlocks: HeaderBlockReader;
  #encoder = new HeaderEncoder();
  #handlers: FrameHandlers;
  #settingsTimer?: ReturnType<typeof setTimeout>;

  constructor(conn: Duplex, role: EngineRole, options: EngineOptions) {
    this.#conn = conn;
    this.#role = role;
    this.#options = options;
    this.#rates = new FrameRates(options.rates);
    this.#headerBlocks = new HeaderBlockReader(
      options.maxHeaderListSize,
      options.maxHeaderBlockFrames,
    );
    const connectionWindow = options.connectionWindow ?? DEFAULT_WINDOW_SIZE;
    this.streamReceiveWindow = options.streamWindow ?? DEFAULT_WINDOW_SIZE;
    this.receive = new ReceiveFlow({
      connectionWindow,
      streamUpdateThreshold: options.streamUpdateThreshold,
      send: (frame) => this.send(frame),
    });
    this.outbox = new Outbox(conn, options.outbox);
    this.#handlers = {
      headerBlocks: this.#headerBlocks,
      onData: (frame) => this.#onData(frame),
      onHeaderFragment: (frame) => this.#onHeaderFragment(frame),
      onReset: (frame) => role.onReset(frame, decodeUint32(frame, "RST_STREAM")),
      onSettings: (frame) => this.#onSettings(frame),
      onGoaway: (frame) => this.#onGoaway(frame),
      onWindowUpdate: (frame) => this.#onWindowUpdate(frame),
      send: (bytes) => this.send(bytes),
    };
    if (!options.server) this.send(CLIENT_PREFACE);
    this.send(encodeSettings(options.settings));
    this.#settingsTimer = setTimeout(
      () => this.fail(new ConnectionError(ErrorCode.SETTINGS_TIMEOUT, "SETTINGS not acknowledged")),
      options.settingsTimeoutMs,
    );
    if (connectionWindow > DEFAULT_WINDOW_SIZE) {
      this.send(encodeWindowUpdate(0, connectionWindow - DEFAULT_WINDOW_SIZE));
    }
  }

  /**
   * Reads and handles frames until the peer closes, the connection closes
   * or the peer breaks the protocol (answered with GOAWAY and told to the
   * role). Resolves with the read error, if reading itself failed.
   */
  async run(): Promise<unknown> {
    try {
      let handled = 0;
      let bytes = 0;
      for await (
        const frames of readFrames(this.#conn, {
          clientPreface: this.#options.server,
          readBytes: READ_BUFFER_BYTES,
        })
      ) {
        for (const frame of frames) {
          if (this.state.closed) return undefined;
          this.#onFrame(frame);
        }
        if (this.state.closed) return undefined;
        handled += frames.length;
        for (const frame of frames) bytes += FRAME_HEADER_BYTES + frame.payload.length;
        const backOffMs = this.#readsResumeAt - performance.now();
        if (backOffMs > 0) {
          handled = 0;
          bytes = 0;
          await delay(backOffMs);
        } else if (handled >= FRAMES_PER_TURN || bytes >= BYTES_PER_TURN) {
          handled = 0;
          bytes = 0;
          // setImmediate, not setTimeout(0): it lets pending I/O run without a timer's ms-long wait.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      return undefined;
    } catch (error) {
      if (!(error instanceof ConnectionError)) return error;
      this.fail(error);
      return undefined;
    }
  }

  /**
   * Reads nothing more from the peer for `ms` once the frames in hand are
   * handled: a connection the memory budget turned away waits, its bytes left
   * in the socket (TCP holds its sender back), while other connections are
   * served.
   */
  backOff(ms: number): void {
    this.#readsResumeAt = Math.max(this.#readsResumeAt, performance.now() + ms);
  }

  /** A connection error: GOAWAY with its code, then the role closes. */
  fail(error: ConnectionError): void {
    if (this.state.closed) return;
    this.goaway(error.code, error.message);
    this.#role.onConnectionError(error);
  }

  /** Counts a frame against its rate; past it the connection ends with ENHANCE_YOUR_CALM. */
  count(kind: FrameKind): void {
    if (!this.#rates.take(kind)) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, `too many frames: ${kind}`);
    }
  }

  /** Queues bytes for the peer; when they cannot be queued the role is told. */
  send(bytes: Uint8Array): void {
    if (this.state.closed) return;
    const queued = this.outbox.push(bytes);
    if (queued && !this.#options.overloaded?.(this.outbox.cost)) return;
    this.#role.onOutputRefused();
  }

  /** Whether the peer accepts a header list of `fields` (its MAX_HEADER_LIST_SIZE). */
  fitsPeerHeaderList(fields: readonly HeaderField[]): boolean {
    return this.peerMaxHeaderListSize === Infinity ||
      headerListSize(fields) <= this.peerMaxHeaderListSize;
  }

  /** `fields` encoded and sent as HEADERS (and CONTINUATION) on `streamId`. */
  sendHeaders(streamId: number, fields: readonly HeaderField[], flags = 0): void {
    const block = this.#encoder.encode(fields);
    for (const frame of encodeHeaderBlock(streamId, block, this.flow.maxFrameSize, flags)) {
      this.send(frame);
    }
  }

  /** RST_STREAM with `code` on `streamId`. */
  sendReset(streamId: number, code: number): void {
    this.send(encodeRstStream(streamId, code));
  }

  /** An empty DATA frame ending `streamId`. */
  sendEnd(streamId: number): void {
    this.send(encodeFrame(FrameType.DATA, Flag.END_STREAM, streamId));
  }

  /** GOAWAY naming the last stream the peer opened; a graceful one is sent only once. */
  goaway(code: number, message: string): void {
    if (this.state.closed || (this.goawaySent && code === ErrorCode.NO_ERROR)) return;
    this.goawaySent = true;
    this.state.goingAway();
    this.send(
      encodeGoaway(this.lastPeerStreamId, code, code === ErrorCode.NO_ERROR ? "" : message),
    );
  }

  /** The connection is closed: no more frames are handled, no timer is left. */
  close(): void {
    if (this.state.closed) return;
    this.state.close();
    clearTimeout(this.#settingsTimer);
    this.flow.wake();
  }

  #onFrame(frame: Frame): void {
    if (this.state.state === "handshake" && frame.type !== FrameType.SETTINGS) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        "the preface is not followed by SETTINGS",
      );
    }
    const kind = FRAME_KINDS.get(frame.type) ??
      (frame.type > FrameType.CONTINUATION ? "unknown" : undefined);
    if (kind) this.count(kind);
    dispatchFrame(frame, this.#handlers);
  }

  /** Empty DATA that does not end its stream carries nothing: it is rate limited. */
  #onData(frame: Frame): void {
    const content = framePayloadContent(frame);
    if (!content.length && !(frame.flags & Flag.END_STREAM)) this.count("emptyData");
    this.#role.onData(frame, content);
  }

  #onHeaderFragment(frame: Frame): void {
    if (frame.type === FrameType.HEADERS) {
      if (frame.streamId === 0) {
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 0");
      }
      checkHeadersPriority(frame);
      this.#role.onHeadersFrame(frame);
    }
    // Decoded whatever the stream's state, to keep the HPACK table in step.
    const block = this.#headerBlocks.push(frame);
    if (block) this.#role.onHeaderBlock(block);
  }

  #onSettings(frame: Frame): void {
    const settings = readSettings(frame);
    this.state.settingsReceived();
    if (!settings) return clearTimeout(this.#settingsTimer);
    this.flow.applySettings(settings, this.#role.streams());
    this.peerMaxConcurrentStreams = settings.maxConcurrentStreams ?? this.peerMaxConcurrentStreams;
    this.peerMaxHeaderListSize = settings.maxHeaderListSize ?? this.peerMaxHeaderListSize;
    this.send(SETTINGS_ACK);
  }

  #onGoaway(frame: Frame): void {
    const goaway = readGoaway(frame);
    this.state.goingAway();
    this.#role.onGoaway(goaway);
  }

  #onWindowUpdate(frame: Frame): void {
    const increment = windowIncrement(frame);
    if (frame.streamId === 0) return this.flow.growConnection(increment);
    this.#role.onStreamWindowUpdate(frame, increment);
  }
}
