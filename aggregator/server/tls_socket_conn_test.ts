import assert from "node:assert/strict";
import { connect, createServer, type TLSSocket } from "node:tls";
import { makePki } from "../../tests/support/certs.ts";
import { ReadGate } from "./read_gate.ts";
import { TlsSocketConn } from "./tls_socket_conn.ts";

/** A node:tls server and client over 127.0.0.1 with mutual TLS; the server's socket adapted. */
async function tlsPair(maxUnread: number) {
  const pki = await makePki();
  const server = createServer({
    key: pki.serverKey,
    cert: pki.serverCertificate,
    ca: pki.caCertificate,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const accepted = new Promise<TLSSocket>((resolve) => server.once("secureConnection", resolve));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const client = connect({
    host: "127.0.0.1",
    port,
    ca: pki.caCertificate,
    cert: pki.clientCertificate,
    key: pki.clientKey,
    checkServerIdentity: () => undefined,
  });
  const socket = await accepted;
  const gate = new ReadGate();
  const conn = new TlsSocketConn(socket, { maxUnread, gate });
  return {
    conn,
    /** The reads beneath the socket, as the listener's stream would hold them. */
    gate,
    /** The server's TLS socket under `conn`. */
    socket,
    client,
    async [Symbol.asyncDispose]() {
      client.destroy();
      try {
        conn.close();
      } catch {
        // Closed by the test.
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Resolves once `condition` holds, checking every 10 ms; fails after 5 s. */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("unread data past the bound pauses the socket and holds its gate; reading resumes both, bytes intact", async () => {
  await using pair = await tlsPair(1024);
  const sent = Uint8Array.from({ length: 256 * 1024 }, (_, index) => index % 251);
  pair.client.write(sent);
  // Nothing is read yet: the server socket pauses.
  const server = pair.socket;
  await eventually(() => server.isPaused(), "the server socket to pause");
  assert.ok(pair.gate.held, "the reads beneath the socket are not held");
  const received: number[] = [];
  const buffer = new Uint8Array(4096);
  while (received.length < sent.length) {
    const read = await pair.conn.read(buffer);
    assert.ok(read !== null, "the stream ended early");
    received.push(...buffer.subarray(0, read));
  }
  assert.deepEqual(Uint8Array.from(received), sent);
  assert.ok(!server.isPaused(), "still paused after everything was read");
  assert.ok(!pair.gate.held, "the reads beneath are still held after everything was read");
});

Deno.test("a write resolves only once a client that does not read lets it drain", async () => {
  await using pair = await tlsPair(1024);
  pair.client.pause();
  const chunk = new Uint8Array(1024 * 1024);
  let written = 0;
  const writing = (async () => {
    for (let n = 0; n < 16; n++) written += await pair.conn.write(chunk);
  })();
  // The client reads nothing: node's buffer fills and the pending write waits for drain.
  await eventually(() => pair.socket.writableNeedDrain, "the server socket to need drain");
  assert.ok(written < 16 * chunk.length, `${written} bytes written to a client that does not read`);
  assert.ok(pair.socket.writableLength <= 2 * chunk.length, `${pair.socket.writableLength} queued`);
  let read = 0;
  pair.client.on("data", (data: Uint8Array) => read += data.length);
  pair.client.resume();
  await writing;
  assert.equal(written, 16 * chunk.length);
  await eventually(() => read === written, "the client to read everything");
});

Deno.test("the peer's close ends reads; close() makes reads and writes fail", async () => {
  await using pair = await tlsPair(1024);
  pair.client.end(Uint8Array.of(1, 2, 3));
  const buffer = new Uint8Array(16);
  assert.equal(await pair.conn.read(buffer), 3);
  assert.equal(await pair.conn.read(buffer), null);
  pair.gate.hold();
  pair.conn.close();
  assert.ok(!pair.gate.held, "closing leaves the reads beneath held");
  await assert.rejects(pair.conn.read(buffer), Deno.errors.BadResource);
  await assert.rejects(pair.conn.write(buffer), Deno.errors.BadResource);
});
