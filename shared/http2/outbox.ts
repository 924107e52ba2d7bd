/**
 * The outbound side of an HTTP/2 connection: frames queued in one turn go out
 * in one write, in order. What waits is counted at its real cost — each
 * queued frame is its own buffer, so a fixed overhead is added to its length
 * — and stays counted until the write that carries it completes. Past
 * `maxBytes` a push is refused (a peer that does not read); a write that
 * makes no progress for `writeTimeoutMs` fails the connection; and closing
 * waits for what was queued at most `lingerMs`, never on a blocked write.
 *
 * @module
 */
import { joinBytes } from "./frames.ts";
import { deadline } from "../async/mod.ts";

/** What one queued frame costs beyond its bytes: the buffer object and its queue slot. */
export const FRAME_OVERHEAD_BYTES = 200;

/** The socket an outbox writes to: a `Deno.Conn`, or any duplex shaped like one. */
export interface Writable {
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
  /** Ends the sending side only (TCP FIN), where the socket can. */
  closeWrite?(): Promise<void>;
}

export interface OutboxOptions {
  /** Called once a write fails or times out; nothing more is written after it. */
  onWriteError: (error: unknown) => void;
  /** Cost (bytes plus overhead) that may wait at once; past this `push` refuses. */
  maxBytes?: number;
  /** A write with no progress for this long fails the connection. */
  writeTimeoutMs?: number;
  /** How long `close` waits for queued bytes before closing the socket anyway. */
  lingerMs?: number;
  /** Told of every change of the cost held, to charge a shared budget. */
  onCost?: (delta: number) => void;
}

export class Outbox {
  #conn: Writable;
  #options: OutboxOptions;
  #queue: Uint8Array[] = [];
  /** Cost of what is queued or being written. */
  #cost = 0;
  #flushing?: Promise<void>;
  #closed = false;
  #socketClosed = false;

  constructor(conn: Writable, options: OutboxOptions) {
    this.#conn = conn;
    this.#options = options;
  }

  /** Cost (bytes plus per-frame overhead) queued or being written. */
  get cost(): number {
    return this.#cost;
  }

  /**
   * Queues `bytes` for writing (ignored once closed). False when the queue
   * would hold more than `maxBytes`: the caller closes the connection.
   */
  push(bytes: Uint8Array): boolean {
    if (this.#closed) return true;
    const cost = bytes.length + FRAME_OVERHEAD_BYTES;
    if (this.#cost + cost > (this.#options.maxBytes ?? Infinity)) return false;
    this.#queue.push(bytes);
    this.#charge(cost);
    this.#flushing ??= this.#flush();
    return true;
  }

  /**
   * Refuses further bytes; resolves once what was queued is written (or
   * `lingerMs` passed, or a write failed) and the socket is closed.
   */
  async close(): Promise<void> {
    await this.#written();
    this.destroy();
  }

  /**
   * Refuses further bytes; once what was queued is written (at most
   * `lingerMs`), ends the sending side and resolves. The socket stays open
   * for reading until `destroy`: a peer still sending then reads what was
   * written last (a GOAWAY) instead of a reset.
   */
  async end(): Promise<void> {
    await this.#written();
    if (this.#socketClosed || this.#flushing) return;
    try {
      await this.#conn.closeWrite?.();
    } catch {
      // The peer is gone already.
    }
  }

  async #written(): Promise<void> {
    this.#closed = true;
    if (!this.#flushing) return;
    await deadline(this.#flushing, this.#options.lingerMs ?? 1_000, () => {});
  }

  /** Closes the socket now; a write in progress fails and what is queued is dropped. */
  destroy(): void {
    this.#closed = true;
    this.#queue = [];
    if (this.#socketClosed) return;
    this.#socketClosed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by a failed read or write.
    }
  }

  #charge(delta: number): void {
    this.#cost += delta;
    this.#options.onCost?.(delta);
  }

  async #flush(): Promise<void> {
    await Promise.resolve();
    try {
      while (this.#queue.length) {
        const frames = this.#queue.splice(0);
        const data = joinBytes(frames);
        for (let written = 0; written < data.length;) {
          written += await this.#write(data.subarray(written));
        }
        this.#charge(-(data.length + frames.length * FRAME_OVERHEAD_BYTES));
      }
    } catch (error) {
      if (!this.#socketClosed) this.#options.onWriteError(error);
      this.destroy();
    } finally {
      this.#flushing = undefined;
      if (!this.#queue.length) this.#charge(-this.#cost);
    }
  }

  /**
   * One write; when it makes no progress in `writeTimeoutMs` the connection
   * fails and the socket is closed, which ends the write. A plain timer, no
   * promise race: this runs for every flush of every connection.
   */
  async #write(bytes: Uint8Array): Promise<number> {
    const ms = this.#options.writeTimeoutMs;
    if (ms === undefined) return await this.#conn.write(bytes);
    const timer = setTimeout(() => this.#stalled(ms), ms);
    try {
      return await this.#conn.write(bytes);
    } finally {
      clearTimeout(timer);
    }
  }

  #stalled(ms: number): void {
    if (this.#socketClosed) return;
    this.#options.onWriteError(new Error(`no write progress for ${ms} ms`));
    this.destroy();
  }
}
