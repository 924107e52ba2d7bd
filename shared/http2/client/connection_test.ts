import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeFrame, encodeSettings } from "../frames.ts";
import { Flag, FrameType, type HeaderField, Setting } from "../mod.ts";
import { rawH2Server, type RawPeer } from "../../../tests/support/raw_h2_server.ts";
import { Http2Connection } from "./connection.ts";

const REQUEST: HeaderField[] = [
  [":method", "POST"],
  [":scheme", "http"],
  [":authority", "test"],
  [":path", "/Aggregator/Publish"],
];

/** The server's SETTINGS sent, and acknowledged by the client: from here they are in force. */
async function settle(peer: RawPeer, settings: [number, number][]): Promise<void> {
  await peer.send(encodeSettings(settings));
  await peer.frame((f) => f.type === FrameType.SETTINGS && !!(f.flags & Flag.ACK));
}

const headersOn = (peer: RawPeer, id: number) =>
  peer.frames.some((f) => f.type === FrameType.HEADERS && f.streamId === id);

Deno.test("client: no more streams at once than the server's MAX_CONCURRENT_STREAMS", async () => {
  const settled = Promise.withResolvers<void>();
  const server = rawH2Server(async (peer) => {
    await settle(peer, [[Setting.MAX_CONCURRENT_STREAMS, 1]]);
    settled.resolve();
    await peer.frame((f) => f.type === FrameType.HEADERS && f.streamId === 1);
    // A PING round trip: whatever the client had to send by then has arrived.
    await peer.send(encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8)));
    await peer.frame((f) => f.type === FrameType.PING);
    assert.ok(!headersOn(peer, 3), "the second request went out while the first was open");
    await peer.send(...peer.ok(1));
    await peer.frame((f) => f.type === FrameType.HEADERS && f.streamId === 3);
    await peer.send(...peer.ok(3));
  });
  const signal = AbortSignal.timeout(10_000);
  const connection = await Http2Connection.open({ host: "127.0.0.1", port: server.port }, signal);
  try {
    await settled.promise;
    const [first, second] = await Promise.all([
      connection.exchange(REQUEST, new Uint8Array(0), signal),
      connection.exchange(REQUEST, new Uint8Array(0), signal),
    ]);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
  } finally {
    connection.close(new ConnectError("test over", Code.Canceled));
    await server.close();
  }
});

Deno.test("client: a request over the server's MAX_HEADER_LIST_SIZE is refused before it is sent", async () => {
  const settled = Promise.withResolvers<void>();
  const server = rawH2Server(async (peer) => {
    await settle(peer, [[Setting.MAX_HEADER_LIST_SIZE, 200]]);
    settled.resolve();
    await peer.frame((f) => f.type === FrameType.HEADERS);
    await peer.send(...peer.ok(1));
  });
  const signal = AbortSignal.timeout(10_000);
  const connection = await Http2Connection.open({ host: "127.0.0.1", port: server.port }, signal);
  try {
    await settled.promise;
    const big: HeaderField[] = [...REQUEST, ["x-big", "x".repeat(200)]];
    await assert.rejects(
      connection.exchange(big, new Uint8Array(0), signal),
      (error: ConnectError) => error.code === Code.ResourceExhausted,
    );
    const answer = await connection.exchange(REQUEST, new Uint8Array(0), signal);
    assert.equal(answer.status, 200);
    // The refused request took no stream: the one that went out is stream 1.
    assert.ok(headersOn(server.peers[0], 1));
  } finally {
    connection.close(new ConnectError("test over", Code.Canceled));
    await server.close();
  }
});
