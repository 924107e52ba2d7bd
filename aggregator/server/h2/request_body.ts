/**
 * The body of one request on the aggregator's HTTP/2 server: DATA payloads
 * queued as they arrive and read by the handler as an async iterable. Each
 * chunk the handler takes is reported to `onConsumed`, which opens the
 * flow-control windows again, so what is queued never exceeds the windows
 * the server announced. A body past `maxBytes` fails the read with
 * `resource_exhausted`; a reset stream fails it with the reset's error.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";

export class RequestBody implements AsyncIterable<Uint8Array> {
  #chunks: Uint8Array[] = [];
  #queuedBytes = 0;
  #received = 0;
  #ended = false;
  #failure?: ConnectError;
  #wake?: () => void;

  constructor(
    readonly maxBytes: number,
    readonly onConsumed: (bytes: number) => void,
  ) {}

  /** Bytes received and not yet read by the handler. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** False once ended or failed: DATA arriving then is not queued. */
  get open(): boolean {
    return !this.#ended && !this.#failure;
  }

  /**
   * Queues `chunk` and returns true; false when it was not queued (the body
   * ended or failed, or this chunk makes it too large and fails it).
   */
  push(chunk: Uint8Array): boolean {
    if (!this.open) return false;
    this.#received += chunk.length;
    if (this.#received > this.maxBytes) {
      this.fail(
        new ConnectError(`request body larger than ${this.maxBytes} bytes`, Code.ResourceExhausted),
      );
      return false;
    }
    this.#chunks.push(chunk);
    this.#queuedBytes += chunk.length;
    this.#notify();
    return true;
  }

  end(): void {
    this.#ended = true;
    this.#notify();
  }

  /** Fails the next read with `error` and drops what is queued (returned as its size). */
  fail(error: ConnectError): number {
    if (this.#failure) return 0;
    this.#failure = error;
    const dropped = this.#queuedBytes;
    this.#chunks = [];
    this.#queuedBytes = 0;
    this.#notify();
    return dropped;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      if (this.#failure) throw this.#failure;
      const chunk = this.#chunks.shift();
      if (chunk) {
        this.#queuedBytes -= chunk.length;
        this.onConsumed(chunk.length);
        yield chunk;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }
}
