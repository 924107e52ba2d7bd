/**
 * The outbound side of an HTTP/2 connection: frames queued in one turn go out
 * in one write, in order, and the socket is closed only once what was queued
 * before the close is written. What waits is counted until it is written
 * (a write in flight still holds its bytes), each frame at its bytes plus an
 * optional per-frame overhead (its buffer and queue entry), so a peer that
 * never reads cannot grow the queue past `maxBytes`; with `writeTimeoutMs` a
 * write that does not finish in time fails the connection, and closing never
 * waits longer than that on a blocked write.
 *
 * @module
 */
import { joinBytes } from "./frames.ts";

export interface OutboxOptions {
  /** Called once a write fails; nothing more is written after it. */
  onWriteError: (error: unknown) => void;
  /** Bytes that may wait at once; past this `push` refuses (a peer that does not read). */
  maxBytes?: number;
  /** What each queued frame costs beyond its own bytes; 0 when absent. */
  frameOverheadBytes?: number;
  /** A write not finished within this many ms fails (`onWriteError`) and closes the socket. */
  writeTimeoutMs?: number;
}

export class Outbox {
  #conn: Deno.Conn;
  #options: OutboxOptions;
  #queue: Uint8Array[] = [];
  #bytes = 0;
  #flushing?: Promise<void>;
  #closed = false;

  constructor(conn: Deno.Conn, options: OutboxOptions) {
    this.#conn = conn;
    this.#options = options;
  }

  /** What is queued or being written, at its counted cost. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Queues `bytes` for writing (ignored once closed). False when the queue
   * now holds more than `maxBytes`: the caller closes the connection.
   */
  push(bytes: Uint8Array): boolean {
    if (this.#closed) return true;
    this.#queue.push(bytes);
    this.#bytes += this.#cost(bytes);
    if (this.#bytes > (this.#options.maxBytes ?? Infinity)) return false;
    this.#flushing ??= this.#flush();
    return true;
  }

  /** Refuses further bytes; resolves once what is being written is out and the socket closed. */
  close(): Promise<void> {
    this.#closed = true;
    return (this.#flushing ?? Promise.resolve()).finally(() => this.#closeSocket());
  }

  #cost(bytes: Uint8Array): number {
    return bytes.length + (this.#options.frameOverheadBytes ?? 0);
  }

  #closeSocket(): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed by a failed read or write.
    }
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
        this.#bytes -= frames.reduce((sum, frame) => sum + this.#cost(frame), 0);
      }
    } catch (error) {
      this.#options.onWriteError(error);
    } finally {
      this.#flushing = undefined;
    }
  }

  /** One write, failed and the socket closed when it outlasts `writeTimeoutMs`. */
  async #write(data: Uint8Array): Promise<number> {
    const timeoutMs = this.#options.writeTimeoutMs;
    if (timeoutMs === undefined) return await this.#conn.write(data);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.#closeSocket();
        reject(new Error(`a write of ${data.length} bytes made no progress for ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.#conn.write(data), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
