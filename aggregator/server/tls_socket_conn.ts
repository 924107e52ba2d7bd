/**
 * An authorised `node:tls` socket seen as the `Deno.Conn` the HTTP/2 server
 * connection reads and writes, so the TLS listener runs the same engine as
 * the cleartext one (docs/ARCHITECTURE.md, "Platform facts": why `node:tls`).
 * Both directions are bounded: incoming data is held until read, and once
 * more than `maxUnread` bytes wait the socket is paused and the reads of the
 * stream beneath it are held (its `ReadGate`: pausing alone does not stop
 * `node:tls` from reading and decrypting), so a client cannot make it buffer
 * more than a read or two beyond that; a write resolves
 * once node has the bytes within its high-water mark, else on `drain`, so the
 * writer's own queue and caps apply. Closing ends the TLS session (what is
 * queued goes out with close_notify) and destroys the socket if the peer has
 * not closed within a grace period; what the peer still sends meanwhile is
 * dropped as it arrives, and past a limit the socket is destroyed at once (a
 * paused socket would keep decrypting it into memory: a flood of 24 clients
 * took the aggregator from 110 to 330 MiB in one second of grace).
 *
 * @module
 */
import type { TLSSocket } from "node:tls";
import type { ReadGate } from "./read_gate.ts";

/** Unread bytes past which the socket is paused: one read of the HTTP/2 engine. */
const DEFAULT_MAX_UNREAD = 16 * 1024;
/** Bytes the readable stream asks for at once. */
const READABLE_CHUNK_BYTES = 64 * 1024;
/** How long a closed connection may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 1_000;
/** Bytes the peer may still send during that grace before the socket is destroyed. */
const CLOSE_DROP_BYTES = 64 * 1024;

export interface TlsSocketConnOptions {
  /** Unread bytes past which the socket is paused and `gate` held. */
  maxUnread?: number;
  /** The reads of the stream beneath the TLS socket (see read_gate.ts). */
  gate?: ReadGate;
}

export class TlsSocketConn implements Deno.Conn<Deno.NetAddr> {
  readonly localAddr: Deno.NetAddr;
  readonly remoteAddr: Deno.NetAddr;
  #socket: TLSSocket;
  #maxUnread: number;
  #gate?: ReadGate;
  #unread: Uint8Array[] = [];
  #unreadBytes = 0;
  #ended = false;
  #closed = false;
  #error?: Error;
  /** Wakes a read waiting for data, the end, or an error. */
  #arrived?: PromiseWithResolvers<void>;
  /** Wakes writes waiting for `drain` (or the socket's end). */
  #drained?: PromiseWithResolvers<void>;
  #readable?: ReadableStream<Uint8Array<ArrayBuffer>>;
  #writable?: WritableStream<Uint8Array>;

  constructor(socket: TLSSocket, options: TlsSocketConnOptions = {}) {
    this.#socket = socket;
    this.#maxUnread = options.maxUnread ?? DEFAULT_MAX_UNREAD;
    this.#gate = options.gate;
    this.localAddr = netAddr(socket.localAddress, socket.localPort);
    this.remoteAddr = netAddr(socket.remoteAddress, socket.remotePort);
    socket.on("data", this.#onData);
    socket.on("end", () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on("error", (error: Error) => {
      this.#error ??= error;
      this.#wake();
      this.#drain();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#wake();
      this.#drain();
    });
    socket.on("drain", () => this.#drain());
  }

  #onData = (chunk: Uint8Array): void => {
    this.#unread.push(chunk);
    this.#unreadBytes += chunk.length;
    if (this.#unreadBytes > this.#maxUnread) {
      this.#socket.pause();
      this.#gate?.hold();
    }
    this.#wake();
  };

  async read(p: Uint8Array): Promise<number | null> {
    while (!this.#unread.length) {
      if (this.#closed) throw new Deno.errors.BadResource("the connection is closed");
      if (this.#error) throw this.#error;
      if (this.#ended) return null;
      this.#arrived = Promise.withResolvers();
      await this.#arrived.promise;
    }
    let copied = 0;
    while (this.#unread.length && copied < p.length) {
      const chunk = this.#unread[0];
      const take = Math.min(chunk.length, p.length - copied);
      p.set(chunk.subarray(0, take), copied);
      copied += take;
      if (take === chunk.length) this.#unread.shift();
      else this.#unread[0] = chunk.subarray(take);
    }
    this.#unreadBytes -= copied;
    if (this.#unreadBytes <= this.#maxUnread && this.#socket.isPaused()) {
      this.#socket.resume();
      this.#gate?.release();
    }
    return copied;
  }

  async write(p: Uint8Array): Promise<number> {
    if (this.#closed) throw new Deno.errors.BadResource("the connection is closed");
    if (this.#error) throw this.#error;
    if (this.#socket.destroyed) throw new Deno.errors.BrokenPipe("the peer closed the connection");
    // node keeps the chunk until it is sent; the caller may reuse `p` once this resolves.
    if (!this.#socket.write(p.slice())) {
      this.#drained ??= Promise.withResolvers();
      await this.#drained.promise;
      if (this.#error) throw this.#error;
    }
    return p.length;
  }

  close(): void {
    if (this.#closed) throw new Deno.errors.BadResource("the connection is closed");
    this.#closed = true;
    this.#unread = [];
    this.#unreadBytes = 0;
    this.#gate?.release();
    this.#wake();
    this.#drain();
    const socket = this.#socket;
    if (socket.destroyed) return;
    socket.end();
    let dropped = 0;
    socket.off("data", this.#onData);
    socket.on("data", (chunk: Uint8Array) => {
      dropped += chunk.length;
      if (dropped > CLOSE_DROP_BYTES) socket.destroy();
    });
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    socket.once("close", () => clearTimeout(timer));
  }

  closeWrite(): Promise<void> {
    return new Promise((resolve) => this.#socket.end(resolve));
  }

  ref(): void {
    this.#socket.ref();
  }

  unref(): void {
    this.#socket.unref();
  }

  get readable(): ReadableStream<Uint8Array<ArrayBuffer>> {
    return this.#readable ??= new ReadableStream({
      type: "bytes",
      pull: async (controller) => {
        const buffer = new Uint8Array(READABLE_CHUNK_BYTES);
        const read = await this.read(buffer);
        if (read === null) controller.close();
        else controller.enqueue(buffer.subarray(0, read));
      },
    });
  }

  get writable(): WritableStream<Uint8Array> {
    return this.#writable ??= new WritableStream({
      write: async (chunk) => {
        await this.write(chunk);
      },
      close: () => this.closeWrite(),
    });
  }

  [Symbol.dispose](): void {
    if (!this.#closed) this.close();
  }

  #wake(): void {
    this.#arrived?.resolve();
    this.#arrived = undefined;
  }

  #drain(): void {
    this.#drained?.resolve();
    this.#drained = undefined;
  }
}

function netAddr(hostname = "", port = 0): Deno.NetAddr {
  return { transport: "tcp", hostname, port };
}
