/**
 * Two ends of an in-memory byte stream shaped like `Deno.Conn` (read, write,
 * close, closeWrite), for unit tests of HTTP/2 connections without the
 * network. One end can be stalled: its writes then wait, as they do on a
 * socket whose peer stopped reading.
 */

class Channel {
  #chunks: Uint8Array[] = [];
  #ended = false;
  #wake?: () => void;

  push(bytes: Uint8Array): void {
    if (this.#ended) return;
    this.#chunks.push(bytes.slice());
    this.#notify();
  }

  end(): void {
    this.#ended = true;
    this.#notify();
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (!this.#chunks.length) {
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const chunk = this.#chunks[0];
    const length = Math.min(buffer.length, chunk.length);
    buffer.set(chunk.subarray(0, length));
    if (length === chunk.length) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(length);
    return length;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

export class MemorySocket {
  /** Whether `close` was called on this end. */
  closed = false;
  #incoming: Channel;
  #outgoing: Channel;
  #stalled?: PromiseWithResolvers<void>;

  constructor(incoming: Channel, outgoing: Channel) {
    this.#incoming = incoming;
    this.#outgoing = outgoing;
  }

  /** Until `resume`, this end's writes wait (its peer does not read). */
  stall(): void {
    this.#stalled ??= Promise.withResolvers();
  }

  resume(): void {
    this.#stalled?.resolve();
    this.#stalled = undefined;
  }

  read(buffer: Uint8Array): Promise<number | null> {
    if (this.closed) return Promise.reject(new Deno.errors.BadResource("closed"));
    return this.#incoming.read(buffer);
  }

  async write(bytes: Uint8Array): Promise<number> {
    if (this.#stalled) await this.#stalled.promise;
    if (this.closed) throw new Deno.errors.BadResource("closed");
    this.#outgoing.push(bytes);
    return bytes.length;
  }

  closeWrite(): Promise<void> {
    this.#outgoing.end();
    return Promise.resolve();
  }

  close(): void {
    this.closed = true;
    this.#outgoing.end();
    this.#incoming.end();
    this.#stalled?.resolve();
    this.#stalled = undefined;
  }
}

/** Two connected ends: what one writes, the other reads. */
export function socketPair(): [MemorySocket, MemorySocket] {
  const there = new Channel();
  const back = new Channel();
  return [new MemorySocket(back, there), new MemorySocket(there, back)];
}
