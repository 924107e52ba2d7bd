/**
 * The outbound side of an HTTP/2 connection: frames queued in one turn go out
 * in one write, in order, and the socket is closed only once what was queued
 * before the close is written.
 *
 * @module
 */
import { joinBytes } from "./frames.ts";

export interface OutboxOptions {
  /** Called once a write fails; nothing more is written after it. */
  onWriteError: (error: unknown) => void;
  /** Bytes that may wait at once; past this `push` refuses (a peer that does not read). */
  maxBytes?: number;
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

  /**
   * Queues `bytes` for writing (ignored once closed). False when the queue
   * now holds more than `maxBytes`: the caller closes the connection.
   */
  push(bytes: Uint8Array): boolean {
    if (this.#closed) return true;
    this.#queue.push(bytes);
    this.#bytes += bytes.length;
    if (this.#bytes > (this.#options.maxBytes ?? Infinity)) return false;
    this.#flushing ??= this.#flush();
    return true;
  }

  /** Refuses further bytes; resolves once what is being written is out and the socket closed. */
  close(): Promise<void> {
    this.#closed = true;
    return (this.#flushing ?? Promise.resolve()).finally(() => {
      try {
        this.#conn.close();
      } catch {
        // Already closed by a failed read or write.
      }
    });
  }

  async #flush(): Promise<void> {
    await Promise.resolve();
    try {
      while (this.#queue.length) {
        const data = joinBytes(this.#queue.splice(0));
        this.#bytes = 0;
        for (let written = 0; written < data.length;) {
          written += await this.#conn.write(data.subarray(written));
        }
      }
    } catch (error) {
      this.#options.onWriteError(error);
    } finally {
      this.#flushing = undefined;
    }
  }
}
