/**
 * A `Deno.Conn` as the node `Duplex` that `node:tls`'s server wraps, so the
 * TLS listener accepts on `Deno.listen` (whose failures the accept loop
 * survives, unlike `node:tls`'s own, see docs/ARCHITECTURE.md) and hands each
 * connection to the TLS server. Reading is pulled: the next read of the
 * socket starts only when node's buffer asks for more and `gate` is not held,
 * so a client that sends faster than the handshake or the server reads is
 * held back by TCP, not buffered; the bytes are handed over as the gate's
 * (read_gate.ts). A write completes once the socket took all of it; the
 * peer's end or destroying the duplex closes the socket.
 *
 * @module
 */
import { Duplex } from "node:stream";
import { ReadGate } from "./read_gate.ts";

/** Bytes asked of the socket per read. */
const READ_BYTES = 16 * 1024;

export function connDuplex(conn: Deno.Conn, gate = new ReadGate()): Duplex {
  let reading = false;
  return new Duplex({
    // The peer's end ends this side too, as a node socket does by default: a
    // client that leaves during the handshake frees its descriptor at once.
    allowHalfOpen: false,
    read() {
      if (reading) return;
      reading = true;
      const buffer = new Uint8Array(READ_BYTES);
      gate.opened().then(() => conn.read(buffer)).then(
        (read) => {
          reading = false;
          gate.deliver(() => this.push(read === null ? null : buffer.subarray(0, read)));
        },
        (error) => this.destroy(error),
      );
    },
    write(chunk: Uint8Array, _encoding, done) {
      writeAll(conn, chunk).then(() => done(), done);
    },
    final(done) {
      conn.closeWrite().then(() => done(), () => done());
    },
    destroy(error, done) {
      try {
        conn.close();
      } catch {
        // Closed already.
      }
      done(error);
    },
  });
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await conn.write(bytes.subarray(written));
  }
}
